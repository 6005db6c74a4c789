import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/**
 * Creates `topic` with `partitions` partitions and writes `count` messages of `bytes` bytes to
 * it, spread evenly over the partitions: the backlog a consume benchmark drains.
 */
export async function fillTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  count: number,
  bytes: number,
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
    const messages = Array.from({ length: Math.min(batch, count - sent) }, (_, i) => ({
      value,
      partition: (sent + i) % partitions,
    }));
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
  console.log(`filled ${topic} with ${count.toLocaleString('en-US')} messages of ${bytes} bytes`);
}
