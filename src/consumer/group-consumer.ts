import type { Consumer, Kafka } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { KafkaComponentError } from '../errors';
import type { GroupPlan } from '../listener/plan-groups';
import { createBatchHandler } from './batch-handler';
import type { ConsumerState, ConsumerStatusEvent } from './consumer-status';
import type { ListenerRuntime, MessageDispatcher } from './message-dispatcher';
import { commitThroughConsumer, OffsetCommitter } from './offset-committer';
import { pinStartOffsets } from './pin-start-offsets';
import { subscribeWhenReady } from './subscribe';

export interface GroupConsumerDeps {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly plan: GroupPlan;
  readonly runtimes: ReadonlyMap<string, readonly ListenerRuntime[]>;
  readonly dispatcher: MessageDispatcher;
  readonly logger: ILogger;
  readonly startTimeout: number;
  readonly shutdownTimeout: number;
  onStatus(event: ConsumerStatusEvent): void;
}

const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];

/**
 * One kafkajs consumer for one consumer group: connects, subscribes to every topic of the group
 * before running, restarts itself when kafkajs gives up, and stops without losing finished work.
 */
export class GroupConsumer {
  private current: Consumer | undefined;
  private state: ConsumerState = 'idle';
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempt = 0;
  private assignment: Record<string, number[]> = {};
  /** Set once start succeeded: from then on a dead consumer is restarted rather than reported to start. */
  private started = false;
  /** Resumes of partitions paused for a retry backoff. */
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  /** Pinning of start offsets after the latest join (start waits for it). */
  private pinned: Promise<void> = Promise.resolve();
  readonly committer: OffsetCommitter;

  constructor(private readonly deps: GroupConsumerDeps) {
    const { plan } = deps;
    this.committer = new OffsetCommitter(
      commitThroughConsumer(() => this.consumer),
      { interval: plan.autoCommitInterval, threshold: plan.autoCommitThreshold },
      deps.logger,
    );
  }

  get groupId(): string {
    return this.deps.plan.groupId;
  }

  get status(): ConsumerState {
    return this.state;
  }

  /** The raw kafkajs consumer (replaced after a restart). */
  get consumer(): Consumer {
    if (!this.current) {
      throw new KafkaComponentError(
        'NOT_CONNECTED',
        `The consumer of group '${this.groupId}' has not started yet.`,
      );
    }
    return this.current;
  }

  /**
   * Connects, subscribes and runs; resolves once the group is joined and start offsets are pinned.
   * A cluster that is reachable but whose group coordinator is not ready yet (just started) is
   * waited for until `startTimeout`; anything else fails start at once.
   */
  async start(): Promise<void> {
    const deadline = Date.now() + this.deps.startTimeout;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.launch();
        this.started = true;
        return;
      } catch (error) {
        await this.discard();
        const delay = Math.min(500 * attempt, 5000);
        if (coordinatorNotReady(error) && Date.now() + delay < deadline) {
          this.deps.logger.info(
            `[midway-kafka] group '${this.groupId}': the group coordinator is not ready yet, trying again in ${delay} ms`,
          );
          await new Promise(resolve => setTimeout(resolve, delay));
          continue;
        }
        this.setState('crashed', { error });
        throw this.startError(error);
      }
    }
  }

  /** Stops fetching, lets the in-flight message finish (bounded), commits, leaves the group. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /** Resumes a partition the `'stop'` failure policy paused; its failed message is delivered again. */
  resume(topic: string, partition: number): void {
    this.consumer.resume([{ topic, partitions: [partition] }]);
  }

  private async launch(): Promise<void> {
    const { kafka, plan } = this.deps;
    const consumer = kafka.consumer(plan.consumerConfig);
    this.current = consumer;
    this.watch(consumer);
    this.setState('connecting');
    await consumer.connect();
    this.setState('connected');
    const byStart = new Map<boolean, string[]>();
    for (const topic of plan.topics.values()) {
      byStart.set(topic.fromBeginning, [...(byStart.get(topic.fromBeginning) ?? []), topic.topic]);
    }
    for (const [fromBeginning, topics] of byStart) {
      await subscribeWhenReady(consumer, topics, fromBeginning, this.deps.startTimeout);
    }
    const joined = this.nextJoin(consumer);
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: plan.partitionsConsumedConcurrently,
      eachBatch: createBatchHandler({
        plan,
        runtimes: this.deps.runtimes,
        dispatcher: this.deps.dispatcher,
        committer: this.committer,
        consumer: () => consumer,
        isStopping: () => this.stopping,
        logger: this.deps.logger,
        retryLater: (resume, delayMs) => this.retryLater(consumer, resume, delayMs),
      }),
    });
    await joined;
  }

  /** Resolves after the next join of `consumer` once start offsets are pinned; rejects on a crash or timeout. */
  private nextJoin(consumer: Consumer): Promise<void> {
    const { startTimeout } = this.deps;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`the group was not joined within ${startTimeout} ms (kafka.startTimeout)`),
        );
      }, startTimeout);
      // Registered after watch()'s listener, so `this.pinned` already belongs to this join.
      const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
        cleanup();
        this.pinned.then(resolve, reject);
      });
      // A crash kafkajs restarts itself (say, a coordinator still loading) is waited out until the timeout.
      const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return;
        cleanup();
        reject(payload.error);
      });
      const cleanup = () => {
        clearTimeout(timer);
        offJoin();
        offCrash();
      };
    });
  }

  private watch(consumer: Consumer): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.current) return;
      this.assignment = payload.memberAssignment;
      this.committer.retainOnly(payload.memberAssignment);
      this.deps.dispatcher.retainAssigned(this.groupId, payload.memberAssignment);
      this.restartAttempt = 0;
      this.setState('joined', { assignment: payload.memberAssignment });
      this.pinned = pinStartOffsets(
        this.deps.kafka,
        this.deps.plan,
        payload.memberAssignment,
        this.committer,
      );
      this.pinned.catch(error =>
        this.deps.logger.warn(
          `[midway-kafka] group '${this.groupId}': pinning start offsets failed: ${String(error)}`,
        ),
      );
    });
    consumer.on(events.REBALANCING, () => {
      if (consumer === this.current && !this.stopping) this.setState('rebalancing');
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (consumer !== this.current || this.stopping) return;
      const detail = payload.restart ? 'kafkajs restarts it' : 'restarting it';
      this.setState('crashed', { error: payload.error, detail });
      if (!payload.restart && this.started) this.scheduleRestart();
    });
  }

  private retryLater(consumer: Consumer, resume: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.stopping && consumer === this.current) resume();
    }, delayMs);
    this.retryTimers.add(timer);
  }

  private clearRetryTimers(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  /** kafkajs gave up on a non-retriable error: replace the consumer, with backoff, until it runs. */
  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restartAttempt, RESTART_DELAYS_MS.length - 1)];
    this.restartAttempt++;
    this.setState('restarting', { detail: `in ${delay} ms (attempt ${this.restartAttempt})` });
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      await this.discard();
      try {
        await this.launch();
      } catch (error) {
        this.setState('crashed', { error, detail: 'restart failed' });
        this.scheduleRestart();
      }
    }, delay);
    this.restartTimer.unref();
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const consumer = this.current;
    if (!consumer) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    await this.committer.commitPending();
    const finished = await withTimeout(consumer.stop(), this.deps.shutdownTimeout);
    if (!finished) {
      this.deps.logger.warn(
        `[midway-kafka] group '${this.groupId}': in-flight handlers did not finish within ${this.deps.shutdownTimeout} ms ` +
          '(kafka.shutdownTimeout); their messages stay uncommitted and will be delivered again',
      );
    }
    await this.committer.settled();
    await this.discard();
    this.setState('stopped');
  }

  /** Disconnects the current consumer, whatever state it is in. */
  private async discard(): Promise<void> {
    this.clearRetryTimers();
    const consumer = this.current;
    if (!consumer) return;
    try {
      await consumer.disconnect();
    } catch (error) {
      this.deps.logger.warn(
        `[midway-kafka] group '${this.groupId}': disconnect failed: ${String(error)}`,
      );
    }
  }

  private setState(state: ConsumerState, extra: Partial<ConsumerStatusEvent> = {}): void {
    this.state = state;
    this.deps.onStatus({ groupId: this.groupId, state, at: new Date(), ...extra });
  }

  private startError(error: unknown): KafkaComponentError {
    const topics = [...this.deps.plan.topics.keys()].join(', ');
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new KafkaComponentError(
      'START_FAILED',
      `Consumer group '${this.groupId}' (topics: ${topics}) could not start against brokers ` +
        `${this.deps.brokers.join(', ')}: ${reason}. Check kafka.kafkaConfig.brokers and that the cluster ` +
        'is reachable from this host; kafka.kafkaConfig.retry and connectionTimeout bound how long start waits.',
      { cause: error },
    );
  }

  /** Partitions this member owns now. */
  get currentAssignment(): Readonly<Record<string, number[]>> {
    return this.assignment;
  }
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>(resolve => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

const COORDINATOR_NOT_READY = new Set([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
]);

/** True for errors of a cluster that answers but has not finished starting its group coordinator. */
function coordinatorNotReady(error: unknown): boolean {
  for (
    let e = error as { name?: string; type?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (
      e.name === 'KafkaJSGroupCoordinatorNotFound' ||
      (e.type && COORDINATOR_NOT_READY.has(e.type))
    )
      return true;
  }
  return false;
}
