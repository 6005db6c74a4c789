import type { Consumer } from 'kafkajs';
import { partitionKey } from './offset-committer';

/**
 * Why a partition is not fetched:
 * - `user`: `ctx.pause()`; only its resume function lifts it;
 * - `retry`: a failed message waits for its backoff;
 * - `stopped`: the `'stop'` failure policy; only `resumePartition()` lifts it;
 * - `pinning`: its start offset is being pinned right after a join;
 * - `gathering`: a batch listener waits (`maxBatchWait`) for a fuller batch.
 */
export type PauseReason = 'user' | 'retry' | 'stopped' | 'pinning' | 'gathering';

interface Paused {
  readonly topic: string;
  readonly partition: number;
  readonly reasons: Set<PauseReason>;
}

/**
 * Every pause of one kafkajs consumer, with its reasons. kafkajs keeps a single paused flag per
 * partition, so without this a retry timer would resume a partition the user paused, and a
 * partition paused before a rebalance would stay paused (silently) when it is assigned again.
 */
export class PartitionPauses {
  private readonly paused = new Map<string, Paused>();

  constructor(private readonly consumer: Consumer) {}

  pause(topic: string, partition: number, reason: PauseReason): void {
    const key = partitionKey(topic, partition);
    let entry = this.paused.get(key);
    if (!entry) {
      entry = { topic, partition, reasons: new Set() };
      this.paused.set(key, entry);
      this.consumer.pause([{ topic, partitions: [partition] }]);
    }
    entry.reasons.add(reason);
  }

  /** Lifts one reason; the partition is fetched again once no reason is left. */
  release(topic: string, partition: number, reason: PauseReason): void {
    const key = partitionKey(topic, partition);
    const entry = this.paused.get(key);
    if (!entry || !entry.reasons.delete(reason) || entry.reasons.size > 0) return;
    this.paused.delete(key);
    this.consumer.resume([{ topic, partitions: [partition] }]);
  }

  has(topic: string, partition: number, reason: PauseReason): boolean {
    return this.paused.get(partitionKey(topic, partition))?.reasons.has(reason) ?? false;
  }

  /** Partitions paused for `reason`. */
  list(reason: PauseReason): { topic: string; partition: number }[] {
    return [...this.paused.values()]
      .filter(entry => entry.reasons.has(reason))
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * After a rebalance: partitions this member no longer owns lose every pause (their new owner
   * decides for itself), so if one is assigned here again later it is fetched. Returns them.
   */
  retainAssigned(assignment: Readonly<Record<string, number[]>>): Paused[] {
    const dropped: Paused[] = [];
    for (const [key, entry] of this.paused) {
      if (assignment[entry.topic]?.includes(entry.partition)) continue;
      this.paused.delete(key);
      this.consumer.resume([{ topic: entry.topic, partitions: [entry.partition] }]);
      dropped.push(entry);
    }
    return dropped;
  }
}
