import { createTopicsReady, withAdmin } from '../../helpers/kafka';

/**
 * Creates topics (name → partitions) and waits until the broker serves every partition: a
 * freshly created topic can be unknown to the broker's metadata for a moment, which kafkajs's
 * own wait for leaders does not ride out.
 */
export function createTopics(partitionsByTopic: Record<string, number>): Promise<void> {
  return withAdmin(admin =>
    createTopicsReady(
      admin,
      Object.entries(partitionsByTopic).map(([topic, numPartitions]) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
      })),
    ),
  );
}
