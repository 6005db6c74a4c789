import { KafkaComponentError } from '../errors/kafka-component-error';
import type { TopicLimits } from './topic-limits';

export type KafkaSendErrorCode =
  'SEND_FAILED' | 'UNKNOWN_TOPIC' | 'BROKER_UNAVAILABLE' | 'RECORD_TOO_LARGE' | 'RECORD_INVALID';

/** A send the broker did not accept (or could not be reached for); `cause` is kafkajs's error. */
export class KafkaSendError extends KafkaComponentError {
  readonly topic: string;
  /**
   * Positions (in the call's `messages`) of the messages Kafka did write although the call
   * failed: `[]` when it wrote none of them, undefined when that cannot be known (a lost
   * response). Resending only the others never duplicates a message.
   */
  readonly written: readonly number[] | undefined;

  constructor(
    code: KafkaSendErrorCode,
    topic: string,
    message: string,
    cause: unknown,
    written?: readonly number[],
  ) {
    super(code, message, { cause });
    this.topic = topic;
    this.written = written;
  }
}

/** A message of a call could not be turned into bytes; nothing of that call was sent. */
export class KafkaSerializationError extends KafkaComponentError {
  readonly topic: string;

  constructor(topic: string, message: string, cause?: unknown) {
    super('SERIALIZATION_FAILED', message, { cause });
    this.topic = topic;
  }
}

/**
 * Broker answers that refuse the records of one partition by the topic's rules. Kafka writes a
 * partition's batch whole or not at all, so nothing of that partition was written; the other
 * partitions of the same request were written or refused on their own.
 */
const RECORD_REJECTIONS = new Map<string, { code: KafkaSendErrorCode; why: Explain }>([
  ['MESSAGE_TOO_LARGE', { code: 'RECORD_TOO_LARGE', why: tooLarge }],
  ['RECORD_LIST_TOO_LARGE', { code: 'RECORD_TOO_LARGE', why: tooLarge }],
  [
    'INVALID_RECORD',
    {
      code: 'RECORD_INVALID',
      why: limits => {
        if (!limits)
          return 'on a compacted topic (cleanup.policy=compact) every record needs a key. Give each message a key';
        if (limits.compacted)
          return 'the topic is compacted (cleanup.policy=compact) and every record on it needs a key. Give each message a key';
        return 'the broker found it invalid; its log says why';
      },
    },
  ],
  [
    'CORRUPT_MESSAGE',
    {
      code: 'RECORD_INVALID',
      why: () =>
        'brokers also answer this for a record without a key on a compacted topic. Give each message a key',
    },
  ],
  [
    'INVALID_TIMESTAMP',
    {
      code: 'RECORD_INVALID',
      why: () =>
        "the record's timestamp is outside what the topic accepts (message.timestamp.before.max.ms / " +
        'message.timestamp.after.max.ms). Send a current timestamp or none',
    },
  ],
]);

type Explain = (limits: TopicLimits | undefined) => string;

function tooLarge(limits: TopicLimits | undefined): string {
  const limit = limits ? `${limits.maxMessageBytes} bytes` : 'its max.message.bytes';
  return (
    `the topic takes record batches of at most ${limit} (max.message.bytes). ` +
    "Send smaller messages or raise the topic's max.message.bytes"
  );
}

/** The kafkajs error type if `error` is a broker's refusal of a partition's records, else undefined. */
export function recordRejectionOf(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && RECORD_REJECTIONS.has(type)) return type;
  }
  return undefined;
}

/** Whether Kafka refused records for their size: a smaller batch of them may pass. */
export function isTooLargeRejection(error: unknown): boolean {
  return RECORD_REJECTIONS.get(recordRejectionOf(error) ?? '')?.code === 'RECORD_TOO_LARGE';
}

/**
 * The error of a call whose own records Kafka refused. `written` lists the call's messages that
 * were written all the same (in other partitions, or in other requests of a call sent in parts);
 * undefined when that is not known.
 */
export function recordRejectedError(
  topic: string,
  error: unknown,
  limits: TopicLimits | undefined,
  written: readonly number[] | undefined,
): KafkaSendError {
  const type = recordRejectionOf(error) as string;
  const { code, why } = RECORD_REJECTIONS.get(type)!;
  return new KafkaSendError(
    code,
    topic,
    `Kafka refused a record for topic "${topic}" (${type}): ${why(limits)}. ${writtenNote(written)}`,
    error,
    written,
  );
}

function writtenNote(written: readonly number[] | undefined): string {
  if (written === undefined)
    return "Those of this call's messages that went to other partitions may have been written.";
  if (written.length === 0) return 'None of the messages of this call was written.';
  const list = written.length > 10 ? `${written.length} of them` : written.join(', ');
  return (
    `Some messages of this call were written all the same (positions ${list}; see error.written): ` +
    'resend only the others.'
  );
}

/**
 * The error of a call that shared a produce request in which Kafka refused records, when whether
 * its own messages were written cannot be established (see `resendIsolated`).
 */
export function outcomeUnknownError(
  topic: string,
  error: unknown,
  limits: TopicLimits | undefined,
  reason: string,
): KafkaSendError {
  const type = recordRejectionOf(error) as string;
  return new KafkaSendError(
    'SEND_FAILED',
    topic,
    `Sending to Kafka topic "${topic}" failed: Kafka refused records of the produce request this ` +
      `call shared with other calls (${type}: ${RECORD_REJECTIONS.get(type)!.why(limits)}), and ` +
      `${reason}, so the messages of this call may or may not have been written. Check the ` +
      'topic before sending them again.',
    error,
  );
}

/** Wraps a kafkajs failure so the message names the topic, keeping the original as `cause`. */
export function toSendError(topic: string, error: unknown): KafkaSendError {
  if (recordRejectionOf(error) !== undefined) {
    // The call was alone in its request: its own records were refused.
    return recordRejectedError(topic, error, undefined, undefined);
  }
  const detail = describe(error);
  if (hasErrorType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
    return new KafkaSendError(
      'UNKNOWN_TOPIC',
      topic,
      `Kafka topic "${topic}" does not exist and the broker did not create it (${detail}). ` +
        'Create the topic, or allow automatic topic creation on the broker and in kafka.producerConfig.',
      error,
    );
  }
  if (hasErrorType(error, 'TOPIC_AUTHORIZATION_FAILED')) {
    return new KafkaSendError(
      'SEND_FAILED',
      topic,
      `This client may not write to Kafka topic "${topic}" (${detail}). ` +
        "Grant the client's principal WRITE and DESCRIBE on the topic.",
      error,
    );
  }
  if (CONNECTION_ERRORS.some(name => hasErrorName(error, name))) {
    return new KafkaSendError(
      'BROKER_UNAVAILABLE',
      topic,
      `Sending to Kafka topic "${topic}" failed: the broker could not be reached (${detail}).`,
      error,
    );
  }
  return new KafkaSendError(
    'SEND_FAILED',
    topic,
    `Sending to Kafka topic "${topic}" failed: ${detail}`,
    error,
  );
}

const CONNECTION_ERRORS = [
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaServiceSendTimeout',
];

function hasErrorType(error: unknown, type: string): boolean {
  return causes(error).some(e => (e as { type?: unknown }).type === type);
}

function hasErrorName(error: unknown, name: string): boolean {
  return causes(error).some(e => (e as { name?: unknown }).name === name);
}

/** kafkajs nests the real error under `cause` (retries exceeded → connection or protocol error). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 8; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
