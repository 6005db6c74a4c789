import type { KafkaMessage } from 'kafkajs';
import {
  readDeadLetterHeaders,
  type Application,
  type ConsumerStatusEvent,
  type MidwayKafkaFramework,
} from 'midway-kafka';
import {
  committedOffsets,
  createTopicNamed,
  produce,
  testKafka,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { customFailures, handled, names } from './fixtures/failures/src/names';

/** Reads `count` messages of a topic from the beginning with a throwaway group. */
async function readTopic(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    await waitFor(() => messages.length >= count, `${count} message(s) on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();
const handledOn = (topic: string) => handled.filter(h => h.topic === topic);

describe('failure handling: retries, dead letters, poison messages', () => {
  const groupId = uniqueName('failures');
  let app: Application;
  const statuses: ConsumerStatusEvent[] = [];

  beforeAll(async () => {
    for (const topic of Object.values(names)) {
      await createTopicNamed(topic, topic === names.twoPartitions ? 2 : 1);
    }
    app = await startApp(fixture(__dirname, 'failures'), {
      consumerConfig: { groupId, sessionTimeout: 6000, heartbeatInterval: 1000 },
    });
    (app.getFramework() as unknown as MidwayKafkaFramework).onStatus(event => statuses.push(event));
  });
  afterAll(() => stopApp(app));

  it('one poison message among 1,000: 999 handled, 1 dead-lettered with its failure headers, the partition never stalls', async () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 'poison' : `ok-${i}`));
    await produce(
      names.poison,
      values.map((value, i) => ({ value, key: `key-${i}`, headers: { trace: `t-${i}` } })),
    );
    await waitFor(() => handledOn(names.poison).length === 999, '999 handled messages', 60_000);
    expect(handledOn(names.poison).map(h => h.value)).toEqual(values.filter(v => v !== 'poison'));
    await waitFor(
      async () => (await committedOffsets(groupId, names.poison)).get(0) === 1000,
      'offset 1000 committed',
    );

    const [dead] = await readTopic(`${names.poison}.DLT`, 1);
    expect(dead.value?.toString()).toBe('poison');
    expect(dead.key?.toString()).toBe('key-500');
    expect(header(dead, 'trace')).toBe('t-500');
    expect(readDeadLetterHeaders(dead.headers)).toMatchObject({
      originalTopic: names.poison,
      originalPartition: 0,
      originalOffset: '500',
      originalConsumerGroup: groupId,
      exceptionFqcn: 'TypeError',
      exceptionMessage: 'cannot handle poison',
      attempts: 3,
      listener: 'FailuresConsumer.onPoison',
    });
  });

  it('keeps the original timestamp on the dead-lettered copy', async () => {
    const [original] = await readTopic(names.poison, 501).then(all =>
      all.filter(m => m.value?.toString() === 'poison'),
    );
    const [dead] = await readTopic(`${names.poison}.DLT`, 1);
    expect(dead.timestamp).toBe(original.timestamp);
    expect(readDeadLetterHeaders(dead.headers).originalTimestamp).toBe(original.timestamp);
  });

  it('a non-retriable error skips the remaining attempts and goes to the configured dead-letter topic', async () => {
    await produce(names.nonRetriable, [{ value: 'bad' }, { value: 'good' }]);
    await waitFor(() => handledOn(names.nonRetriable).length === 1, 'the good message');
    const [dead] = await readTopic(names.customDlt, 1);
    expect(dead.value?.toString()).toBe('bad');
    expect(readDeadLetterHeaders(dead.headers)).toMatchObject({
      attempts: 1,
      exceptionFqcn: 'KafkaNonRetriableError',
    });
  });

  it('a retriable error is retried past the attempt limit and never dead-lettered', async () => {
    await produce(names.retriable, [{ value: 'flaky-db' }]);
    await waitFor(() => handledOn(names.retriable).length === 1, 'success on the fifth call');
    expect(handledOn(names.retriable)[0].attempt).toBe(5);
    await waitFor(
      async () => (await committedOffsets(groupId, names.retriable)).get(0) === 1,
      'offset 1 committed',
    );
    // Its dead-letter topic exists (created at start) and stayed empty.
    const ends = await withAdmin(admin => admin.fetchTopicOffsets(`${names.retriable}.DLT`));
    expect(ends.map(p => p.high)).toEqual(['0']);
  });

  it('a message the deserializer cannot decode never reaches the handler and is dead-lettered', async () => {
    await produce(names.json, [{ value: '{"id": 1' }, { value: '{"id": 2, "total": 9.5}' }]);
    await waitFor(() => handledOn(names.json).length === 1, 'the valid JSON message');
    expect(handledOn(names.json)[0].payload).toEqual({ id: 2, total: 9.5 });
    const [dead] = await readTopic(`${names.json}.DLT`, 1);
    expect(dead.value?.toString()).toBe('{"id": 1');
    expect(readDeadLetterHeaders(dead.headers)).toMatchObject({
      exceptionFqcn: 'KafkaDeserializationError',
      attempts: 0,
    });
  });

  it('a custom failure handler gets the failure, and the message is then committed', async () => {
    await produce(names.custom, [{ value: 'x' }]);
    await waitFor(() => customFailures.length === 1, 'the custom handler');
    expect(customFailures[0]).toMatchObject({ topic: names.custom, offset: '0', attempts: 2 });
    expect(customFailures[0].error).toContain('always fails: x');
    await waitFor(
      async () => (await committedOffsets(groupId, names.custom)).get(0) === 1,
      'offset 1 committed',
    );
  });

  it('a backoff longer than the session timeout does not cost the group its membership', async () => {
    const before = statuses.length;
    await produce(names.slow, [{ value: 'patience' }]);
    await waitFor(() => handledOn(names.slow).length === 1, 'the retry after 8 s', 30_000);
    expect(handledOn(names.slow)[0].attempt).toBe(2);
    expect(statuses.slice(before).map(s => s.state)).not.toContain('rebalancing');
    expect(statuses.slice(before).map(s => s.state)).not.toContain('joined');
  });

  it('while a message waits for its retry, its partition waits in order and the other partitions go on', async () => {
    await produce(names.twoPartitions, [
      { value: 'hold', partition: 0 },
      { value: 'after-hold', partition: 0 },
    ]);
    await produce(
      names.twoPartitions,
      [1, 2, 3].map(i => ({ value: `other-${i}`, partition: 1 })),
    );
    const values = () => handledOn(names.twoPartitions).map(h => h.value);
    await waitFor(() => values().includes('1:other-3'), 'the other partition');
    expect(values()).not.toContain('0:hold');
    await waitFor(
      () => values().includes('0:after-hold'),
      'the held partition, after its retry',
      30_000,
    );
    const partition0 = values().filter(v => v.startsWith('0:'));
    expect(partition0).toEqual(['0:hold', '0:after-hold']);
    expect(values().indexOf('1:other-3')).toBeLessThan(values().indexOf('0:hold'));
  });
});
