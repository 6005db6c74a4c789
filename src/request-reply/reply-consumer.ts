import type { ILogger } from '@midwayjs/core';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { DEFAULT_CONSUMER_CONFIG } from '../config/defaults';
import { KafkaComponentError } from '../errors/kafka-component-error';
import { nextGroupJoin } from '../client/next-group-join';
import type { Positions } from './reply-topic';

export interface ReplyConsumerDeps {
  readonly kafka: Kafka;
  readonly topic: string;
  /** A group of this instance alone, so it is assigned every partition of the topic. */
  readonly groupId: string;
  readonly logger: ILogger;
  readonly startTimeout: number;
  onReply(message: KafkaMessage, topic: string, partition: number): void;
}

const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * Reads the whole reply topic in a consumer group of this instance alone. Nothing is
 * committed: positions live in memory, start where the topic ended before the first request,
 * and are set again at every join, so a rejoin (a restarted kafkajs consumer, new partitions)
 * skips no reply and no other member ever takes this instance's replies away.
 */
export class ReplyConsumer {
  private current: Consumer | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;

  constructor(
    private readonly deps: ReplyConsumerDeps,
    private readonly positions: Positions,
  ) {}

  /** Resolves once the consumer joined its group with its start positions set. */
  async start(): Promise<void> {
    try {
      await this.launch();
    } catch (error) {
      await this.current?.disconnect().catch(() => undefined);
      throw new KafkaComponentError(
        'START_FAILED',
        `The reply consumer of "${this.deps.topic}" (group ${this.deps.groupId}) could not start: ` +
          `${(error as Error).message}. Check kafka.kafkaConfig.brokers and that this client may ` +
          'read the reply topic and join consumer groups.',
        { cause: error },
      );
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.current?.disconnect();
  }

  private async launch(): Promise<void> {
    const { kafka, topic, groupId } = this.deps;
    const consumer = kafka.consumer({
      ...DEFAULT_CONSUMER_CONFIG,
      groupId,
      allowAutoTopicCreation: false,
    });
    this.current = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.current) return;
      // Runs inside kafkajs's join, before its first fetch for the assignment.
      for (const partition of payload.memberAssignment[topic] ?? []) {
        const offset = this.positions.get(partition);
        if (offset !== undefined) consumer.seek({ topic, partition, offset });
      }
      this.restarts = 0;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (consumer !== this.current || this.stopping || payload.restart) return;
      this.scheduleRestart(payload.error);
    });
    const joined = nextGroupJoin(consumer, this.deps.startTimeout);
    await consumer.connect();
    // Partitions with no known position (added after start) hold only replies sent since.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        const { partition, messages } = batch;
        for (let i = 0; i < messages.length; i++) {
          this.deps.onReply(messages[i], batch.topic, partition);
        }
        if (messages.length > 0) {
          const last = messages[messages.length - 1].offset;
          this.positions.set(partition, (BigInt(last) + 1n).toString());
        }
      },
    });
    await joined;
  }

  /** kafkajs gave up (a non-retriable error): replace the consumer, keeping the positions. */
  private scheduleRestart(error: Error): void {
    if (this.restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)];
    this.restarts++;
    this.deps.logger.error(
      `[midway-kafka] the reply consumer of "${this.deps.topic}" crashed; restarting it in ${delay} ms ` +
        '(replies wait on the topic meanwhile):',
      error,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      const old = this.current;
      void (async () => {
        await old?.disconnect().catch(() => undefined);
        if (this.stopping) return;
        await this.launch().catch(restartError => this.scheduleRestart(restartError as Error));
      })();
    }, delay);
    this.restartTimer.unref();
  }
}
