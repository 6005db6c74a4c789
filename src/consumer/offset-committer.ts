import type { Consumer, TopicPartitionOffset } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { KafkaComponentError } from '../errors';

export interface CommitSchedule {
  /** Commit at least this often, in ms; null commits whenever a batch ends. */
  readonly interval: number | null;
  /** Commit as soon as this many finished messages are pending. */
  readonly threshold: number | null;
}

/** Without an interval, finished work is committed at the end of each batch and at least this often. */
export const MAX_UNCOMMITTED_MS = 5000;

/** Identifies a topic-partition in the committer; compute it once per batch, not per message. */
export const partitionKey = (topic: string, partition: number) => `${partition}:${topic}`;
const key = partitionKey;

interface Pending {
  topic: string;
  partition: number;
  /** The last finished offset; the commit is this + 1. */
  done: string;
}

/** Sends one OffsetCommit request. */
export type CommitFn = (offsets: TopicPartitionOffset[]) => Promise<void>;

/**
 * Commits through kafkajs's consumer. Note that kafkajs silently drops these once the consumer is
 * stopping, so commits made during a batch go through the batch's own commit function instead.
 */
export const commitThroughConsumer =
  (consumer: () => Consumer): CommitFn =>
  offsets =>
    consumer().commitOffsets(offsets);

/**
 * Commits finished work for one kafkajs consumer. Only offsets of messages whose handlers all
 * succeeded are marked, always as offset + 1 (the next one to read). Commits run one at a time so
 * a later offset is never overwritten by an earlier one.
 */
export class OffsetCommitter {
  private pending = new Map<string, Pending>();
  private pendingCount = 0;
  private lastCommit = Date.now();
  private chain: Promise<void> = Promise.resolve();
  /** Commits asked for and not yet settled. */
  private unsettled = 0;
  /** Set when background work finished while a commit was unanswered: commit it after that one. */
  private followUp: CommitFn | undefined;
  /** Bumped at every new assignment: a commit of an earlier one must not bring its offsets back. */
  private assignmentEpoch = 0;

  constructor(
    private readonly defaultCommit: CommitFn,
    private readonly schedule: CommitSchedule,
    private readonly logger: ILogger,
  ) {}

  /**
   * Records that `offset` and everything before it on the partition (`partitionKey`) is done;
   * `count` messages finished with it (for the threshold).
   */
  markDone(partitionId: string, topic: string, partition: number, offset: string, count = 1): void {
    const entry = this.pending.get(partitionId);
    if (entry) entry.done = offset;
    else this.pending.set(partitionId, { topic, partition, done: offset });
    this.pendingCount += count;
  }

  /** True when the threshold or interval says finished work should be committed now. */
  isDue(batchEnded: boolean): boolean {
    if (this.pending.size === 0) return false;
    const { interval, threshold } = this.schedule;
    if (threshold !== null && this.pendingCount >= threshold) return true;
    if (interval === null) return batchEnded;
    return Date.now() - this.lastCommit >= interval;
  }

  /**
   * True when finished work has waited longer than the interval (or, without one, than
   * MAX_UNCOMMITTED_MS): a long batch commits along the way, not only when it ends.
   */
  isOverdue(): boolean {
    if (this.pending.size === 0) return false;
    return Date.now() - this.lastCommit >= (this.schedule.interval ?? MAX_UNCOMMITTED_MS);
  }

  /** With an interval and finished work pending: ms until that work is due; otherwise null. */
  msUntilDue(): number | null {
    const { interval } = this.schedule;
    if (interval === null || this.pending.size === 0) return null;
    return Math.max(0, interval - (Date.now() - this.lastCommit));
  }

  /**
   * Commits everything marked so far. A failure is logged and the offsets stay pending, unless
   * the partitions were reassigned meanwhile (their new owner commits them from now on).
   */
  commitPending(via: CommitFn = this.defaultCommit): Promise<void> {
    this.unsettled++;
    const run = async () => {
      const epoch = this.assignmentEpoch;
      if (this.pending.size === 0) return;
      const entries = [...this.pending.values()];
      const offsets = entries.map(({ topic, partition, done }) => ({
        topic,
        partition,
        offset: nextOffset(done),
      }));
      this.pending = new Map();
      this.pendingCount = 0;
      try {
        await via(offsets);
        this.lastCommit = Date.now();
      } catch (error) {
        // Keep what was not committed unless a newer offset was marked meanwhile.
        if (epoch === this.assignmentEpoch) {
          for (const entry of entries) {
            const k = key(entry.topic, entry.partition);
            if (!this.pending.has(k)) this.pending.set(k, entry);
          }
        }
        this.logger.warn(
          `[midway-kafka] committing offsets failed, will retry with the next commit: ${describe(offsets)}: ${String(error)}`,
        );
      }
    };
    const counted = () => run().finally(() => this.settledOne());
    this.chain = this.chain.then(counted, counted);
    return this.chain;
  }

  /**
   * Commits everything marked so far without holding up the consumer, as the Java client's
   * commitAsync does: the next fetch overlaps the commit. One commit at a time: while one is
   * unanswered, what finished meanwhile goes out in one commit as soon as it is answered, so
   * finished work waits at most one round trip longer and the broker sees one commit per round
   * trip at most, however small the batches. Rebalances and stops still wait for every commit
   * (commitPending, settled).
   */
  commitInBackground(via: CommitFn = this.defaultCommit): void {
    if (this.unsettled > 0) this.followUp = via;
    else void this.commitPending(via);
  }

  private settledOne(): void {
    this.unsettled--;
    const via = this.followUp;
    if (this.unsettled > 0 || !via) return;
    this.followUp = undefined;
    if (this.pending.size > 0) void this.commitPending(via);
  }

  /** Forgets pending offsets of partitions this member no longer owns after a rebalance. */
  retainOnly(assignment: Record<string, number[]>): void {
    this.assignmentEpoch++;
    for (const [k, entry] of this.pending) {
      if (!assignment[entry.topic]?.includes(entry.partition)) this.pending.delete(k);
    }
  }

  /** `ctx.commitOffsets(offset)`: commits exactly `offset` (the next to read) for one partition now. */
  commitExactly(
    topic: string,
    partition: number,
    offset: string | number | bigint,
    via: CommitFn = this.defaultCommit,
  ): Promise<void> {
    const normalized = normalizeOffset(offset);
    if (normalized === null) {
      return Promise.reject(
        new KafkaComponentError(
          'LISTENER_INVALID',
          `ctx.commitOffsets(${String(offset)}) on ${topic}[${partition}]: the offset must be a whole number >= 0, ` +
            'as a string, number or bigint (e.g. ctx.commitOffsets((BigInt(message.offset) + BigInt(1)).toString()) to move past the message).',
        ),
      );
    }
    const run = () => via([{ topic, partition, offset: normalized }]);
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Waits for commits already started. */
  settled(): Promise<void> {
    return this.chain;
  }
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function normalizeOffset(offset: string | number | bigint): string | null {
  try {
    const value = BigInt(offset);
    return value >= 0n ? value.toString() : null;
  } catch {
    return null;
  }
}

function describe(offsets: { topic: string; partition: number; offset: string }[]): string {
  return offsets.map(o => `${o.topic}[${o.partition}]@${o.offset}`).join(', ');
}
