import { Partitioners, type ICustomPartitioner, type Kafka, type Message } from 'kafkajs';
import type { MessageFailure } from '../interface';
import { KafkaSendError, toSendError } from '../producer/errors';
import { DEFAULT_PRODUCER_CONFIG } from '../producer/options';
import { ProducerSession } from '../producer/producer-session';
import { deadLetterHeaders } from './dead-letter-headers';

export interface DeadLetterPublisherOptions {
  readonly kafka: () => Kafka;
  /** Upper bound of one publish (connecting included), in ms: `kafka.sendTimeout`. */
  readonly sendTimeoutMs: number;
}

/**
 * Publishes failed messages with acks=all through one lazily connected, idempotent producer.
 * Every publish is bounded: kafkajs retries an idempotent producer's sends without end by default,
 * which turned a missing dead-letter topic into a partition that waited forever, silently.
 */
export class DeadLetterPublisher {
  private session: Promise<ProducerSession> | undefined;
  /** The partition each message in flight should go to, read by the partitioner. */
  private readonly wantedPartition = new WeakMap<Message, number>();

  constructor(private readonly options: DeadLetterPublisherOptions) {}

  /** Resolves once the broker has the copy; rejects with a `KafkaSendError` saying why it could not. */
  async publish(failure: MessageFailure, topic: string): Promise<void> {
    const { key, value, timestamp } = failure.message;
    const message: Message = { key, value, timestamp, headers: deadLetterHeaders(failure) };
    this.wantedPartition.set(message, failure.partition);
    try {
      const session = await this.connect();
      await session.run(producer => producer.send({ topic, acks: -1, messages: [message] }));
    } catch (error) {
      throw publishError(topic, error);
    }
  }

  async close(): Promise<void> {
    const pending = this.session;
    this.session = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  }

  private connect(): Promise<ProducerSession> {
    if (!this.session) {
      const { kafka, sendTimeoutMs } = this.options;
      const session = new ProducerSession({
        // Bounded retries: a publish that cannot succeed fails, and the dispatcher says so and tries again.
        create: () =>
          kafka().producer({
            ...DEFAULT_PRODUCER_CONFIG,
            createPartitioner: this.samePartitionFirst(),
          }),
        connectTimeoutMs: sendTimeoutMs,
        sendTimeoutMs,
        idempotent: true,
        transactional: false,
      });
      const connecting = session.connect().then(() => session);
      // A failed connection is not cached: the next failure tries again.
      connecting.catch(() => {
        if (this.session === connecting) this.session = undefined;
      });
      this.session = connecting;
    }
    return this.session;
  }

  /**
   * Spring Kafka's default: the copy goes to the failed message's partition number when the
   * dead-letter topic has that partition, so each partition's failures stay in order; otherwise
   * kafkajs's default partitioner (the key's hash, as Java's) chooses.
   */
  private samePartitionFirst(): ICustomPartitioner {
    return () => {
      const fallback = Partitioners.DefaultPartitioner();
      return args => {
        const wanted = this.wantedPartition.get(args.message);
        const exists = args.partitionMetadata.some(p => p.partitionId === wanted);
        return exists ? (wanted as number) : fallback(args);
      };
    };
  }
}

/** Names the dead-letter topic and what to do about the failure. */
function publishError(topic: string, error: unknown): KafkaSendError {
  const cause = toSendError(topic, error);
  const reason =
    cause.code === 'UNKNOWN_TOPIC'
      ? `the topic does not exist and the broker does not create topics automatically. Create '${topic}' ` +
        '(with as many partitions as its source topic); the next attempt publishes to it'
      : cause.message;
  return new KafkaSendError(
    cause.code as ConstructorParameters<typeof KafkaSendError>[0],
    topic,
    `Publishing to dead-letter topic '${topic}' failed: ${reason}`,
    error,
  );
}
