import type { Kafka, Producer } from 'kafkajs';
import type { MessageFailure } from '../interface';
import { deadLetterHeaders } from './dead-letter-headers';

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
