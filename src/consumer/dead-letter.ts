import type { IHeaders, Kafka, Producer } from 'kafkajs';
import type { MessageFailure } from '../interface';

/** Header names follow Spring Kafka's DeadLetterPublishingRecoverer so other ecosystems read them. */
export const DLT_HEADERS = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  originalConsumerGroup: 'kafka_dlt-original-consumer-group',
  exceptionFqcn: 'kafka_dlt-exception-fqcn',
  exceptionMessage: 'kafka_dlt-exception-message',
  exceptionStacktrace: 'kafka_dlt-exception-stacktrace',
  /** Ours: how many times the listener was called with the message. */
  attempts: 'kafka_dlt-attempts',
  /** Ours: the `Class.method` that failed. */
  listener: 'kafka_dlt-listener',
} as const;

/** The original headers plus the failure description; values are UTF-8 strings. */
export function deadLetterHeaders(failure: MessageFailure): IHeaders {
  const error = failure.error;
  const name = error instanceof Error ? error.name || error.constructor.name : typeof error;
  const text = error instanceof Error ? error.message : String(error);
  return {
    ...failure.message.headers,
    [DLT_HEADERS.originalTopic]: failure.topic,
    [DLT_HEADERS.originalPartition]: String(failure.partition),
    [DLT_HEADERS.originalOffset]: failure.message.offset,
    [DLT_HEADERS.originalTimestamp]: failure.message.timestamp,
    [DLT_HEADERS.originalConsumerGroup]: failure.groupId,
    [DLT_HEADERS.exceptionFqcn]: name,
    [DLT_HEADERS.exceptionMessage]: text,
    [DLT_HEADERS.exceptionStacktrace]: error instanceof Error ? (error.stack ?? text) : text,
    [DLT_HEADERS.attempts]: String(failure.attempts),
    [DLT_HEADERS.listener]: failure.listener,
  };
}

/** Publishes failed messages with acks=all through one lazily connected, idempotent producer. */
export class DeadLetterPublisher {
  private producer: Promise<Producer> | undefined;

  constructor(private readonly kafka: () => Kafka) {}

  /** Resolves once the broker has the copy; rejects if it could not be written. */
  async publish(failure: MessageFailure, topic: string): Promise<void> {
    const producer = await this.connect();
    const { key, value, timestamp } = failure.message;
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value, timestamp, headers: deadLetterHeaders(failure) }],
    });
  }

  async close(): Promise<void> {
    const pending = this.producer;
    this.producer = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  }

  private connect(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
      const connecting = producer.connect().then(() => producer);
      // A failed connection is not cached: the next failure tries again.
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }
}
