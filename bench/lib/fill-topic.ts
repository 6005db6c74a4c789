import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/**
 * Creates `topic` with `partitions` partitions and writes `count` messages of `bytes` bytes to
 * it: the backlog a consume benchmark drains. Spread evenly over the partitions, or with
 * `keyOf`, keyed, and placed by kafkajs's partitioner as an app's messages would be.
 */
export async function fillTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  count: number,
  bytes: number,
  keyOf?: (i: number) => string,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const value = randomBytes(bytes / 2).toString('hex');
  const batch = 2000;
  for (let sent = 0; sent < count; sent += batch) {
    const messages = Array.from({ length: Math.min(batch, count - sent) }, (_, i) =>
      keyOf ? { key: keyOf(sent + i), value } : { value, partition: (sent + i) % partitions },
    );
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
  console.log(`filled ${topic} with ${count.toLocaleString('en-US')} messages of ${bytes} bytes`);
}
