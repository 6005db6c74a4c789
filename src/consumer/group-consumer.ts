import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { KafkaComponentError } from '../errors';
import type { GroupPlan } from '../listener/plan-groups';
import { createBatchHandler } from './batch-handler';
import type { ConsumerState, ConsumerStatusEvent } from './consumer-status';
import { describeInFlight, InFlightBatches } from './in-flight-batches';
import { Membership } from './membership';
import type { ListenerRuntime, MessageDispatcher } from './message-dispatcher';
import { commitThroughConsumer, OffsetCommitter, type CommitFn } from './offset-committer';
import { PartitionPauses } from './partition-pauses';
import { PinningRounds } from './pinning-rounds';
import { StartOffsetPinner, type TopicPartitions } from './pin-start-offsets';
import { subscribeWhenReady } from './subscribe';
import { nextGroupJoin } from '../client/next-group-join';
import { settlesWithin } from '../client/settles-within';
import type { ConsumerObserver } from '../observability/observer';

export interface GroupConsumerDeps {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly plan: GroupPlan;
  readonly runtimes: ReadonlyMap<string, readonly ListenerRuntime[]>;
  readonly dispatcher: MessageDispatcher;
  readonly logger: ILogger;
  readonly startTimeout: number;
  readonly shutdownTimeout: number;
  /** How long one partition's batch is worked on before the consumer turns to the others. */
  readonly partitionTimeSlice: number;
  /** Told each batch's progress (consumer lag); see BatchHandlerDeps. */
  readonly observer: ConsumerObserver;
  onStatus(event: ConsumerStatusEvent): void;
}

const RESTART_DELAYS_MS = [1000, 2000, 5000, 10_000, 30_000];
/** After `shutdownTimeout`, what is left of a stop (leaving the group, disconnecting) gets this long. */
const SHUTDOWN_MARGIN_MS = 5000;

/**
 * One kafkajs consumer for one consumer group: connects, subscribes to every topic of the group
 * before running, restarts itself when kafkajs gives up, gives its partitions up promptly when the
 * group rebalances, and stops within `shutdownTimeout` without losing finished work.
 */
export class GroupConsumer {
  private current: Consumer | undefined;
  private pauses: PartitionPauses | undefined;
  /** The current generation of group membership; replaced at every join. */
  private membership = new Membership();
  private readonly inFlight = new InFlightBatches();
  /** The latest batch's commit: one attempt, within the generation (see onRebalancing). */
  private directCommit: CommitFn | undefined;
  private state: ConsumerState = 'idle';
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempt = 0;
  /** A restart's launch in progress; a stop waits for it to give up. */
  private launching: Promise<void> | undefined;
  private assignment: Record<string, number[]> = {};
  /** Set once start succeeded: from then on a dead consumer is restarted rather than reported to start. */
  private started = false;
  /** Resumes of partitions paused for a retry backoff or a batch being gathered. */
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private flushTimer: NodeJS.Timeout | undefined;
  /** Pinning of start offsets after the latest join (start waits for it). */
  private pinned: Promise<void> = Promise.resolve();
  /** The current consumer's pauses for pinning, each lifted by the join that made it. */
  private pinning: PinningRounds | undefined;
  private readonly pinner: StartOffsetPinner;
  private admin: Promise<Admin> | undefined;
  readonly committer: OffsetCommitter;

  constructor(private readonly deps: GroupConsumerDeps) {
    const { plan } = deps;
    this.committer = new OffsetCommitter(
      commitThroughConsumer(() => this.consumer),
      { interval: plan.autoCommitInterval, threshold: plan.autoCommitThreshold },
      deps.logger,
    );
    this.pinner = new StartOffsetPinner(plan, () => this.connectAdmin());
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

  /** Partitions this member owns now. */
  get currentAssignment(): Readonly<Record<string, number[]>> {
    return this.assignment;
  }

  /** Partitions the `'stop'` failure policy paused, waiting for `resume()`. */
  get stoppedPartitions(): { topic: string; partition: number }[] {
    return this.pauses?.list('stopped') ?? [];
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
        await this.launch(true);
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
    this.pauses?.release(topic, partition, 'stopped');
  }

  private async launch(waitForJoin: boolean): Promise<void> {
    const { kafka, plan } = this.deps;
    const consumer = kafka.consumer(plan.consumerConfig);
    const pauses = new PartitionPauses(consumer);
    this.current = consumer;
    this.pauses = pauses;
    this.pinning = new PinningRounds(pauses);
    this.membership = new Membership();
    this.directCommit = undefined;
    this.watch(consumer);
    this.setState('connecting');
    await consumer.connect();
    this.giveUpIfStopping();
    this.setState('connected');
    const byStart = new Map<boolean, string[]>();
    for (const topic of plan.topics.values()) {
      byStart.set(topic.fromBeginning, [...(byStart.get(topic.fromBeginning) ?? []), topic.topic]);
    }
    for (const [fromBeginning, topics] of byStart) {
      await subscribeWhenReady(consumer, topics, fromBeginning, this.deps.startTimeout);
      this.giveUpIfStopping();
    }
    const joined = waitForJoin ? this.nextJoin(consumer) : undefined;
    // If run() itself fails, nobody waits for the join: its timeout must not reject unheard.
    joined?.catch(() => undefined);
    const handleBatch = createBatchHandler({
      plan,
      runtimes: this.deps.runtimes,
      dispatcher: this.deps.dispatcher,
      committer: this.committer,
      consumer,
      pauses,
      inFlight: this.inFlight,
      membership: () => this.membership,
      isStopping: () => this.stopping,
      logger: this.deps.logger,
      timeSliceMs: this.deps.partitionTimeSlice,
      pauseFor: (topic, partition, delayMs, reason) =>
        this.pauseFor(consumer, pauses, { topic, partition, delayMs, reason }),
      onCommitAvailable: commit => (this.directCommit = commit),
      observer: this.deps.observer,
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: plan.partitionsConsumedConcurrently,
      eachBatch: async payload => {
        await handleBatch(payload);
        this.flushLater();
      },
    });
    await joined;
  }

  /** Resolves after the next join of `consumer` once start offsets are pinned; rejects on a crash or timeout. */
  private nextJoin(consumer: Consumer): Promise<void> {
    // Registered after watch()'s listener, so `this.pinned` already belongs to this join.
    return nextGroupJoin(consumer, this.deps.startTimeout).then(() => this.pinned);
  }

  private watch(consumer: Consumer): void {
    const { events } = consumer;
    consumer.on(events.GROUP_JOIN, ({ payload }) => {
      if (consumer !== this.current) return;
      this.onJoin(consumer, payload.memberAssignment);
    });
    consumer.on(events.REBALANCING, () => {
      if (consumer !== this.current || this.stopping) return;
      this.setState('rebalancing');
      // kafkajs found the rebalance itself (no batch was running to commit on the way out):
      // commit finished work now, within the generation that is ending.
      if (this.directCommit) void this.committer.commitPending(this.directCommit);
    });
    consumer.on(events.CRASH, ({ payload }) => {
      if (consumer !== this.current || this.stopping) return;
      const detail = payload.restart ? 'kafkajs restarts it' : 'restarting it';
      this.setState('crashed', { error: payload.error, detail });
      if (!payload.restart && this.started) this.scheduleRestart();
    });
  }

  /** Runs synchronously inside kafkajs's join, before it fetches anything for the new assignment. */
  private onJoin(consumer: Consumer, assignment: Record<string, number[]>): void {
    const { logger } = this.deps;
    const pauses = this.pauses as PartitionPauses;
    this.membership = new Membership();
    this.assignment = assignment;
    this.committer.retainOnly(assignment);
    this.deps.dispatcher.retainAssigned(this.groupId, assignment);
    this.restartAttempt = 0;
    for (const lost of pauses.retainAssigned(assignment)) {
      if (lost.reasons.has('stopped')) {
        logger.warn(
          `[midway-kafka] group '${this.groupId}': ${lost.topic}[${lost.partition}], stopped by the 'stop' policy, ` +
            'now belongs to another member, which delivers its failed message again',
        );
      }
    }
    const stopped = pauses.list('stopped');
    const detail =
      stopped.length > 0
        ? `stopped by the 'stop' policy, waiting for resumePartition(): ${stopped.map(p => `${p.topic}[${p.partition}]`).join(' ')}`
        : undefined;
    this.setState('joined', { assignment, detail });
    this.pinned = this.pinStartOffsets(consumer, this.pinner.unpinned(assignment));
  }

  private pinStartOffsets(consumer: Consumer, targets: TopicPartitions[]): Promise<void> {
    const pinning = this.pinning;
    if (targets.length === 0 || !pinning) return Promise.resolve();
    const round = pinning.begin(targets);
    return this.pinner
      .pin(targets, {
        commit: (topic, partition, offset) =>
          this.committer.commitExactly(topic, partition, offset),
        seek: (topic, partition, offset) => consumer.seek({ topic, partition, offset }),
      })
      .catch(error =>
        this.deps.logger.warn(
          `[midway-kafka] group '${this.groupId}': pinning start offsets failed, kafkajs resolves them itself: ${String(error)}`,
        ),
      )
      .finally(() => {
        // A replaced consumer's pauses went with it.
        if (consumer === this.current) pinning.end(round, targets);
      });
  }

  /** Pauses a partition for a retry backoff or a batch being gathered, and resumes it after. */
  private pauseFor(
    consumer: Consumer,
    pauses: PartitionPauses,
    what: { topic: string; partition: number; delayMs: number; reason: 'retry' | 'gathering' },
  ): void {
    const { topic, partition, delayMs, reason } = what;
    pauses.pause(topic, partition, reason);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (!this.stopping && consumer === this.current) pauses.release(topic, partition, reason);
    }, delayMs);
    this.retryTimers.add(timer);
  }

  /**
   * With `autoCommitInterval`, finished work can wait for the interval after the last batch; if
   * no batch comes, commit it when the interval is up (the Java client's auto-commit does too).
   */
  private flushLater(): void {
    const wait = this.committer.msUntilDue();
    if (wait === null || this.flushTimer || this.stopping) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.directCommit && !this.stopping) void this.committer.commitPending(this.directCommit);
    }, wait);
    this.flushTimer.unref();
  }

  private clearTimers(): void {
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }

  private giveUpIfStopping(): void {
    if (this.stopping) {
      throw new KafkaComponentError('STOPPED', `The consumer of group '${this.groupId}' stopped.`);
    }
  }

  /** kafkajs gave up on a non-retriable error: replace the consumer, with backoff, until it runs. */
  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restartAttempt, RESTART_DELAYS_MS.length - 1)];
    this.restartAttempt++;
    this.setState('restarting', { detail: `in ${delay} ms (attempt ${this.restartAttempt})` });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.launching = this.relaunch().finally(() => (this.launching = undefined));
    }, delay);
    this.restartTimer.unref();
  }

  private async relaunch(): Promise<void> {
    await this.discard();
    if (this.stopping) return;
    try {
      await this.launch(false);
    } catch (error) {
      if (!this.stopping) {
        this.setState('crashed', { error, detail: 'restart failed' });
        this.scheduleRestart();
      }
    }
    // A stop that stopped waiting for this launch may have found kafkajs not running yet:
    // make sure the consumer this launch started does not run on after it.
    if (this.stopping) await this.current?.disconnect().catch(() => undefined);
  }

  private async shutdown(): Promise<void> {
    const { logger, shutdownTimeout } = this.deps;
    const deadline = Date.now() + shutdownTimeout;
    const left = () => Math.max(0, deadline - Date.now());
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    // A restart in progress sees `stopping` at its next step and gives up.
    if (this.launching) await settlesWithin(this.launching, left());
    const consumer = this.current;
    if (!consumer) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    await settlesWithin(this.committer.commitPending(), left());
    const finished = await settlesWithin(consumer.stop(), left());
    if (!finished) {
      // kafkajs waits for every batch before it leaves the group; a handler that never returns
      // would hold the app forever. Stop waiting: kafkajs leaves, the handler runs on alone.
      const stuck = this.inFlight.abandon();
      logger.warn(
        `[midway-kafka] group '${this.groupId}': in-flight handlers did not finish within ${shutdownTimeout} ms ` +
          '(kafka.shutdownTimeout); their messages stay uncommitted and will be delivered again. Still running: ' +
          (stuck.map(batch => describeInFlight(batch)).join('; ') || 'none (kafkajs was fetching)'),
      );
      await settlesWithin(consumer.stop(), SHUTDOWN_MARGIN_MS);
    }
    await settlesWithin(this.committer.settled(), SHUTDOWN_MARGIN_MS);
    await this.discard(SHUTDOWN_MARGIN_MS);
    this.setState('stopped');
  }

  /** Disconnects the current consumer (and the pinning admin), whatever state they are in. */
  private async discard(timeoutMs?: number): Promise<void> {
    this.clearTimers();
    const consumer = this.current;
    const admin = this.admin;
    this.admin = undefined;
    const disconnect = async () => {
      await admin?.then(a => a.disconnect()).catch(() => undefined);
      await consumer?.disconnect();
    };
    try {
      if (timeoutMs === undefined) await disconnect();
      else if (!(await settlesWithin(disconnect(), timeoutMs))) {
        this.deps.logger.warn(
          `[midway-kafka] group '${this.groupId}': disconnecting took longer than ${timeoutMs} ms; not waiting for it`,
        );
      }
    } catch (error) {
      this.deps.logger.warn(
        `[midway-kafka] group '${this.groupId}': disconnect failed: ${String(error)}`,
      );
    }
  }

  private connectAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.deps.kafka.admin();
      const connecting = admin.connect().then(() => admin);
      // A failed connection is not kept: the next pin tries again.
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
      this.admin = connecting;
    }
    return this.admin;
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
