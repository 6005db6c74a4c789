import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';
import { createTopicsReady, uniqueName } from '../../helpers/kafka';

/** kafkajs clients for a broker or cluster a fault test started itself (not the shared one). */
export function clusterKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: uniqueName('fault-test'), brokers, logLevel: logLevel.NOTHING });
}

export async function withClusterAdmin<T>(
  brokers: string[],
  fn: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = clusterKafka(brokers).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topic` and waits until every partition has a leader. */
export async function createClusterTopic(brokers: string[], topic: ITopicConfig): Promise<void> {
  await withClusterAdmin(brokers, admin => createTopicsReady(admin, [topic]));
}

/** The node id leading `partition` of `topic`, as the cluster reports it now. */
export async function partitionLeader(
  brokers: string[],
  topic: string,
  partition: number,
): Promise<number> {
  const { topics } = await withClusterAdmin(brokers, admin =>
    admin.fetchTopicMetadata({ topics: [topic] }),
  );
  const found = topics[0]?.partitions.find(p => p.partitionId === partition);
  if (!found) throw new Error(`no metadata for ${topic}[${partition}]`);
  return found.leader;
}
