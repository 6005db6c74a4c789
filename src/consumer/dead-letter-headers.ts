import type { IHeaders } from 'kafkajs';
import type { MessageFailure } from '../interface';

/**
 * Header names of Spring Kafka's `DeadLetterPublishingRecoverer` (`KafkaHeaders.DLT_*`), written
 * in its encodings so a Java service reads them as Spring does, plus two of ours.
 */
export const DLT_HEADERS = {
  originalTopic: 'kafka_dlt-original-topic',
  /** 4-byte big-endian int, as Spring writes it. */
  originalPartition: 'kafka_dlt-original-partition',
  /** 8-byte big-endian long, as Spring writes it. */
  originalOffset: 'kafka_dlt-original-offset',
  /** 8-byte big-endian long (ms), as Spring writes it. */
  originalTimestamp: 'kafka_dlt-original-timestamp',
  /** Spring writes `CreateTime` or `LogAppendTime`; kafkajs does not tell us, so we never write it. */
  originalTimestampType: 'kafka_dlt-original-timestamp-type',
  originalConsumerGroup: 'kafka_dlt-original-consumer-group',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
  /** The name of the error's `cause`, when it has one. */
  exceptionCauseFqcn: 'kafka_dlt-exception-cause-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionStacktrace: 'kafka_dlt-exception-stacktrace',
  /** Ours: how many times the listener was called with the message. */
  attempts: 'kafka_dlt-attempts',
  /** Ours: the `Class.method` that failed. */
  listener: 'kafka_dlt-listener',
} as const;

/** The original headers plus the failure, encoded as Spring Kafka encodes each header. */
export function deadLetterHeaders(failure: MessageFailure): IHeaders {
  const error = failure.error;
  const text = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const headers: IHeaders = {
    ...failure.message.headers,
    [DLT_HEADERS.originalTopic]: failure.topic,
    [DLT_HEADERS.originalPartition]: int32(failure.partition),
    [DLT_HEADERS.originalOffset]: int64(failure.message.offset),
    [DLT_HEADERS.originalTimestamp]: int64(failure.message.timestamp),
    [DLT_HEADERS.originalConsumerGroup]: failure.groupId,
    [DLT_HEADERS.exceptionFqcn]: errorName(error),
    [DLT_HEADERS.exceptionMessage]: text,
    [DLT_HEADERS.exceptionStacktrace]: error instanceof Error ? (error.stack ?? text) : text,
    [DLT_HEADERS.attempts]: String(failure.attempts),
    [DLT_HEADERS.listener]: failure.listener,
  };
  // A header of the original message must not pass for this failure's cause.
  delete headers[DLT_HEADERS.exceptionCauseFqcn];
  if (cause !== undefined) headers[DLT_HEADERS.exceptionCauseFqcn] = errorName(cause);
  return headers;
}

/** What the dead-letter headers of a message say; a header that is absent stays undefined. */
export interface DeadLetterInfo {
  originalTopic?: string;
  originalPartition?: number;
  /** A string, like kafkajs's `message.offset`. */
  originalOffset?: string;
  /** Milliseconds as a string, like kafkajs's `message.timestamp`. */
  originalTimestamp?: string;
  /** Only on dead letters Spring Kafka wrote. */
  originalTimestampType?: string;
  originalConsumerGroup?: string;
  exceptionFqcn?: string;
  exceptionCauseFqcn?: string;
  exceptionMessage?: string;
  exceptionStacktrace?: string;
  /** Only on dead letters midway-kafka wrote. */
  attempts?: number;
  listener?: string;
}

/**
 * Reads the `kafka_dlt-*` headers of a dead-lettered message — written by midway-kafka or by
 * Spring Kafka. Numbers are read in Spring's binary form and in the decimal text that earlier
 * versions of midway-kafka wrote, so dead letters already on a topic stay readable.
 */
export function readDeadLetterHeaders(headers: IHeaders | undefined): DeadLetterInfo {
  const bytes = (name: string): Buffer | undefined => {
    let value = headers?.[name];
    // Kafka allows a header name more than once; like Java's lastHeader, the last one counts.
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value === undefined) return undefined;
    return Buffer.isBuffer(value) ? value : Buffer.from(value);
  };
  const text = (name: string) => bytes(name)?.toString('utf8');
  const partition = readInteger(bytes(DLT_HEADERS.originalPartition), 4);
  const attempts = text(DLT_HEADERS.attempts);
  return {
    originalTopic: text(DLT_HEADERS.originalTopic),
    originalPartition: partition === undefined ? undefined : Number(partition),
    originalOffset: readInteger(bytes(DLT_HEADERS.originalOffset), 8),
    originalTimestamp: readInteger(bytes(DLT_HEADERS.originalTimestamp), 8),
    originalTimestampType: text(DLT_HEADERS.originalTimestampType),
    originalConsumerGroup: text(DLT_HEADERS.originalConsumerGroup),
    exceptionFqcn: text(DLT_HEADERS.exceptionFqcn),
    exceptionCauseFqcn: text(DLT_HEADERS.exceptionCauseFqcn),
    exceptionMessage: text(DLT_HEADERS.exceptionMessage),
    exceptionStacktrace: text(DLT_HEADERS.exceptionStacktrace),
    attempts: attempts === undefined ? undefined : Number(attempts),
    listener: text(DLT_HEADERS.listener),
  };
}

const DECIMAL = /^-?\d+$/;

/**
 * A decimal text is the old form; otherwise a value of exactly `size` bytes is big-endian binary.
 * The two cannot be confused: a binary partition, offset or timestamp whose every byte is an
 * ASCII digit would be above 800 million (partition) or 3 × 10^18 (offset, timestamp).
 */
function readInteger(value: Buffer | undefined, size: 4 | 8): string | undefined {
  if (value === undefined) return undefined;
  const asText = value.toString('latin1');
  if (DECIMAL.test(asText)) return asText;
  if (value.length !== size) return undefined;
  return size === 4 ? String(value.readInt32BE(0)) : value.readBigInt64BE(0).toString();
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

function int64(value: string): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(BigInt(value));
  return buffer;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name || error.constructor.name : typeof error;
}
