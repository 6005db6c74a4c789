import { randomBytes } from 'node:crypto';
import {
  Kafka,
  logLevel,
  type Admin,
  type IHeaders,
  type ITopicConfig,
  type KafkaMessage,
  type Message,
} from 'kafkajs';

/** The brokers of this test run: the one global-setup started, or `KAFKA_BROKERS`. */
export function brokers(): string[] {
  const list = process.env.KAFKA_BROKERS;
  if (!list)
    throw new Error(
      'KAFKA_BROKERS is not set: run the tests through jest (test/setup starts a broker).',
    );
  return list.split(',').map(b => b.trim());
}

/** A topic or group name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

export function testKafka(clientId = uniqueName('test-client')): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates a fresh topic and waits until every partition has a leader. */
export async function createTopic(
  prefix: string,
  numPartitions = 1,
  replicationFactor = 1,
  configEntries: { name: string; value: string }[] = [],
): Promise<string> {
  const topic = uniqueName(prefix);
  await withAdmin(admin =>
    createTopicsReady(admin, [{ topic, numPartitions, replicationFactor, configEntries }]),
  );
  return topic;
}

/** Creates the topic `topic` (a name from uniqueName) and waits for its leaders. */
export async function createTopicNamed(
  topic: string,
  numPartitions = 1,
  replicationFactor = 1,
): Promise<void> {
  await withAdmin(admin => createTopicsReady(admin, [{ topic, numPartitions, replicationFactor }]));
}

/** Creates those of `topics` (fixed names an example app uses) that do not exist yet. */
export async function createMissingTopics(topics: ITopicConfig[]): Promise<void> {
  await withAdmin(async admin => {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter(t => !existing.has(t.topic));
    if (missing.length > 0) await createTopicsReady(admin, missing);
  });
}

/**
 * Creates topics and waits until every partition has a leader and `replicationFactor` in-sync
 * replicas, as seen from `admin`'s cluster. kafkajs's own waitForLeaders gives up when a broker
 * has not heard of the new topic yet ("This server does not host this topic-partition", seen on a
 * busy machine even with one node); this polls through that.
 */
export async function createTopicsReady(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  for (const { topic, replicationFactor = 1 } of topics) {
    await waitFor(
      async () => {
        try {
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitions = metadata.topics[0]?.partitions ?? [];
          return (
            partitions.length > 0 &&
            partitions.every(p => p.leader >= 0 && p.isr.length >= replicationFactor)
          );
        } catch {
          return false; // not known to the broker asked yet
        }
      },
      `leaders and in-sync replicas of ${topic}`,
      60_000,
    );
  }
}

export interface TestMessage {
  key?: string | null;
  value: string | Buffer | null;
  partition?: number;
  headers?: IHeaders;
  /** Milliseconds as a string, as kafkajs takes it (default: now). */
  timestamp?: string;
}

/** Produces messages with acks=all and returns once the broker has them. */
export async function produce(topic: string, messages: TestMessage[]): Promise<void> {
  const producer = testKafka().producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: messages as Message[] });
  } finally {
    await producer.disconnect();
  }
}

/** Produces `count` messages whose values are `${prefix}-0`, `${prefix}-1` … */
export async function produceNumbered(
  topic: string,
  count: number,
  prefix = 'm',
): Promise<string[]> {
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await produce(
    topic,
    values.map(value => ({ value })),
  );
  return values;
}

/** The offsets a group has committed on the broker, by partition (-1 where none). */
export async function committedOffsets(
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const result = await withAdmin(admin => admin.fetchOffsets({ groupId, topics: [topic] }));
  const byPartition = new Map<number, number>();
  for (const { partition, offset } of result[0]?.partitions ?? []) {
    byPartition.set(partition, Number(offset));
  }
  return byPartition;
}

/** Polls `check` until it returns true; fails with `what` if it never does within `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 25));
  }
}

/**
 * Reads `topic` from the beginning with a fresh consumer group until `count` messages arrived,
 * turning each into what the test compares; `what` names the wait in a timeout.
 */
export async function consumeFromStart<T>(
  topic: string,
  count: number,
  read: (message: KafkaMessage, partition: number) => T,
  options: { kafka?: Kafka; what?: string; timeoutMs?: number } = {},
): Promise<T[]> {
  const consumer = (options.kafka ?? testKafka()).consumer({ groupId: uniqueName('reader') });
  const received: T[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push(read(message, partition));
      },
    });
    await waitFor(
      () => received.length >= count,
      options.what ?? `${count} messages on ${topic}`,
      options.timeoutMs,
    );
  } finally {
    await consumer.disconnect();
  }
  return received;
}
