import type { Admin } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';

interface PartitionLag {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The partition's end (the offset the next produced message gets), as last seen. */
  highWatermark: number;
  /** The next offset this member reads: everything before it is finished. */
  next: number;
  /** When `highWatermark` was last read (Date.now()). */
  seenAt: number;
}

/** How long a scrape waits for the broker to tell a partition's end. */
const REFRESH_TIMEOUT_MS = 5000;

/**
 * Each partition's lag, `high watermark − next offset`, from what kafkajs returns with every fetch
 * (no request of its own while messages flow). A partition that has not been fetched for
 * `refreshIntervalMs` (paused, or waiting out a retry) has its end read with one admin request per
 * topic when the metrics are scraped, so its lag keeps rising while nothing consumes it.
 */
export class ConsumerLag {
  private readonly partitions = new Map<string, PartitionLag>();
  private admin: Promise<Admin> | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly createAdmin: () => Admin,
    private readonly refreshIntervalMs: number,
    private readonly logger: ILogger,
  ) {}

  fetched(
    groupId: string,
    topic: string,
    partition: number,
    highWatermark: string,
    firstOffset: string,
  ): void {
    const entry = this.entry(groupId, topic, partition);
    entry.highWatermark = Number(highWatermark);
    // Where the fetch started is where this member stands: everything before it is finished.
    entry.next = Number(firstOffset);
    entry.seenAt = Date.now();
  }

  progressed(groupId: string, topic: string, partition: number, offset: string): void {
    this.entry(groupId, topic, partition).next = Number(offset) + 1;
  }

  /** After a rebalance: partitions the group's member no longer owns report no lag here. */
  retainAssigned(groupId: string, assignment: Readonly<Record<string, number[]>>): void {
    for (const [key, entry] of this.partitions) {
      if (entry.groupId !== groupId) continue;
      if (!assignment[entry.topic]?.includes(entry.partition)) this.partitions.delete(key);
    }
  }

  /** Every partition's lag, after reading the end of those not fetched lately. */
  async read(): Promise<{ groupId: string; topic: string; partition: number; lag: number }[]> {
    this.refreshing ??= this.refreshStale().finally(() => (this.refreshing = undefined));
    await this.refreshing;
    return [...this.partitions.values()].map(
      ({ groupId, topic, partition, highWatermark, next }) => ({
        groupId,
        topic,
        partition,
        lag: Math.max(0, highWatermark - next),
      }),
    );
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.partitions.clear();
    await admin?.then(a => a.disconnect()).catch(() => undefined);
  }

  private entry(groupId: string, topic: string, partition: number): PartitionLag {
    const key = `${groupId}|${topic}|${partition}`;
    let entry = this.partitions.get(key);
    if (!entry) {
      entry = { groupId, topic, partition, highWatermark: 0, next: 0, seenAt: 0 };
      this.partitions.set(key, entry);
    }
    return entry;
  }

  private async refreshStale(): Promise<void> {
    const now = Date.now();
    const stale = [...this.partitions.values()].filter(
      e => now - e.seenAt >= this.refreshIntervalMs,
    );
    if (stale.length === 0) return;
    const topics = [...new Set(stale.map(e => e.topic))];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${REFRESH_TIMEOUT_MS} ms`)),
        REFRESH_TIMEOUT_MS,
      );
    });
    try {
      const admin = await Promise.race([this.connect(), timeout]);
      const ends = await Promise.race([
        Promise.all(topics.map(topic => admin.fetchTopicOffsets(topic).then(p => ({ topic, p })))),
        timeout,
      ]);
      const seenAt = Date.now();
      for (const { topic, p } of ends) {
        for (const { partition, high } of p) {
          for (const entry of stale) {
            if (entry.topic !== topic || entry.partition !== partition) continue;
            entry.highWatermark = Number(high);
            entry.seenAt = seenAt;
          }
        }
      }
    } catch (error) {
      // The last known lag is reported meanwhile; the next scrape tries again.
      this.logger.warn(
        `[midway-kafka] metrics: could not read the end of ${topics.join(', ')} for the consumer lag: ${String(error)}`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private connect(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.createAdmin();
      const connecting = admin.connect().then(() => admin);
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
      this.admin = connecting;
    }
    return this.admin;
  }
}
