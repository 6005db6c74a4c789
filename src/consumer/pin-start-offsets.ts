import type { Kafka } from 'kafkajs';
import type { GroupPlan } from '../listener/plan-groups';
import type { OffsetCommitter } from './offset-committer';

/**
 * kafkajs resolves "latest" for a partition with no committed offset lazily, at its first fetch,
 * so a message produced right after the app started could be skipped. Right after a join, this
 * commits the current end of every owned `fromBeginning: false` partition that has no committed
 * offset yet: whatever is produced from then on is consumed.
 */
export async function pinStartOffsets(
  kafka: Kafka,
  plan: GroupPlan,
  assignment: Record<string, number[]>,
  committer: OffsetCommitter,
): Promise<void> {
  const topics = Object.keys(assignment).filter(
    topic => assignment[topic].length > 0 && plan.topics.get(topic)?.fromBeginning === false,
  );
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId: plan.groupId, topics });
    for (const { topic, partitions } of committed) {
      const owned = new Set(assignment[topic]);
      const missing = partitions
        .filter(p => owned.has(p.partition) && Number(p.offset) < 0)
        .map(p => p.partition);
      if (missing.length === 0) continue;
      const ends = await admin.fetchTopicOffsets(topic);
      for (const { partition, high } of ends) {
        if (missing.includes(partition)) await committer.commitExactly(topic, partition, high);
      }
    }
  } finally {
    await admin.disconnect();
  }
}
