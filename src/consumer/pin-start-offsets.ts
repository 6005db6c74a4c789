import type { Admin } from 'kafkajs';
import type { GroupPlan } from '../listener/plan-groups';
import { partitionKey } from './offset-committer';

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: number[];
}

/** What pinning does to the consumer that owns the partitions. */
export interface PinTarget {
  /** Commits `offset` (the next to read) for the partition, within the group. */
  commit(topic: string, partition: number, offset: string): Promise<void>;
  /** Makes the consumer start fetching the partition at `offset`. */
  seek(topic: string, partition: number, offset: string): void;
}

/**
 * kafkajs resolves "latest" for a partition with no committed offset lazily, at its first fetch,
 * and only in memory: a message produced right after the app started could be skipped, and a
 * commit made beside that lookup could land past messages not handled yet. So for the partitions
 * of `fromBeginning: false` topics not yet known to have a committed offset, the group consumer
 * pauses them at the join (before kafkajs fetches), and this commits their end offset and seeks
 * the consumer exactly there before they are resumed: the commit and the position are one value.
 */
export class StartOffsetPinner {
  /** Partitions known to have a committed offset in the group. */
  private readonly committed = new Set<string>();

  constructor(
    private readonly plan: GroupPlan,
    private readonly admin: () => Promise<Admin>,
  ) {}

  /** Partitions of `assignment` that may have no committed offset yet. */
  unpinned(assignment: Readonly<Record<string, number[]>>): TopicPartitions[] {
    return Object.entries(assignment)
      .filter(([topic]) => this.plan.topics.get(topic)?.fromBeginning === false)
      .map(([topic, partitions]) => ({
        topic,
        partitions: partitions.filter(p => !this.committed.has(partitionKey(topic, p))),
      }))
      .filter(({ partitions }) => partitions.length > 0);
  }

  /** Commits and seeks to the end of every partition of `targets` that has no committed offset. */
  async pin(targets: TopicPartitions[], consumer: PinTarget): Promise<void> {
    if (targets.length === 0) return;
    const admin = await this.admin();
    const committed = await admin.fetchOffsets({
      groupId: this.plan.groupId,
      topics: targets.map(t => t.topic),
    });
    for (const { topic, partitions } of committed) {
      const wanted = new Set(targets.find(t => t.topic === topic)?.partitions);
      const missing: number[] = [];
      for (const { partition, offset } of partitions) {
        if (!wanted.has(partition)) continue;
        if (Number(offset) >= 0) this.committed.add(partitionKey(topic, partition));
        else missing.push(partition);
      }
      if (missing.length === 0) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, high } of ends) {
        if (!missing.includes(partition)) continue;
        consumer.seek(topic, partition, high);
        await consumer.commit(topic, partition, high);
        this.committed.add(partitionKey(topic, partition));
      }
    }
  }
}
