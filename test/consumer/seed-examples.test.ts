import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import type { RecordMetadata } from 'kafkajs';
import type { Application } from 'midway-kafka';
import {
  brokers,
  committedOffsets,
  produce,
  testKafka,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';
import { midway3AppOptions } from '../helpers/midway';

/**
 * Every consumer and producer example of Midway's Kafka guide (seed 004), run as written from
 * examples/seed-*, against the test broker. Their topic names are the seed's own, so each test
 * uses a group of its own (which starts at the end of the topic) and values of its own. On
 * Midway 4 the apps get Midway 4's one app change, the file detector, from outside.
 */
const example = (name: string) => join(__dirname, '..', '..', 'examples', name);

async function startExample(
  name: string,
  groupId: string,
  extra: object = {},
): Promise<Application> {
  return (await createApp<never>(example(name), {
    ...midway3AppOptions(),
    globalConfig: {
      kafka: { kafkaConfig: { brokers: brokers() }, consumerConfig: { groupId } },
      midwayLogger: {
        default: { consoleLevel: 'warn' },
        clients: { kafkaLogger: { consoleLevel: 'warn' } },
      },
      ...extra,
    },
  })) as unknown as Application;
}

/** What a koa app needs besides the example's own config: a free port and cookie keys. */
const KOA = { koa: { port: 0 }, keys: 'test-keys' };
const appLog = (name: string) =>
  readFileSync(join(example(name), 'logs', 'midway-app.log'), 'utf8');
const sumOf = (offsets: Map<number, number>) =>
  [...offsets.values()].reduce((a, b) => a + Math.max(b, 0), 0);

/** The end offset of partition 0 of `topic`. */
const endOffset = (topic: string) =>
  withAdmin(async admin => Number((await admin.fetchTopicOffsets(topic))[0].high));

async function waitForCommit(
  groupId: string,
  topic: string,
  check: (o: Map<number, number>) => boolean,
) {
  let offsets = new Map<number, number>();
  await waitFor(
    async () => check((offsets = await committedOffsets(groupId, topic))),
    `commits of ${groupId}`,
  );
  return offsets;
}

describe('seed 004 examples, as written', () => {
  let app: Application | undefined;
  const stop = async () => {
    if (app) await close(app as never);
    app = undefined;
  };
  afterEach(stop);

  it.each(['seed-standalone', 'seed-koa'])(
    '%s: the basic listener handles and commits every message',
    async name => {
      const groupId = uniqueName('g');
      app = await startExample(name, groupId, name === 'seed-koa' ? KOA : {});
      const before = sumOf(await committedOffsets(groupId, 'topic-test'));
      const marker = uniqueName('basic');
      await produce(
        'topic-test',
        [1, 2, 3].map(i => ({ key: `k${i}`, value: `${marker}-${i}` })),
      );
      await waitForCommit(groupId, 'topic-test', o => sumOf(o) >= before + 3);
      // The seed's handler logs `offset key value` through the injected logger.
      await waitFor(() => appLog(name).includes(`k3 ${marker}-3`), 'the handler log line');
      expect(appLog(name)).toMatch(new RegExp(`test output => \\d+ k1 ${marker}-1`));
    },
  );

  it('manual commit: commitOffsets(message.offset) commits exactly that offset, so the message comes back after a restart', async () => {
    const groupId = uniqueName('g');
    app = await startExample('seed-manual-commit', groupId);
    await produce('topic-test0', [{ value: uniqueName('manual') }]);
    await waitFor(() => app!.getAttr<number>('total') === 1, 'the first delivery');
    const committed = await waitForCommit(groupId, 'topic-test0', o =>
      [...o.values()].some(v => v >= 0),
    );
    // Kafka's meaning: "the next offset to read" is the message itself, one before the end.
    expect(committed.get(0)).toBe((await endOffset('topic-test0')) - 1);
    await stop();

    app = await startExample('seed-manual-commit', groupId);
    await waitFor(
      () => app!.getAttr<number>('total') === 1,
      'the second delivery of the same message',
    );
    expect(await committedOffsets(groupId, 'topic-test0')).toEqual(committed);
  });

  it('listener options (示例一): fromBeginning false, autoCommit false', async () => {
    const groupId = uniqueName('g');
    app = await startExample('seed-listener-options', groupId);
    await produce('topic-test0', [{ value: uniqueName('options') }]);
    const committed = await waitForCommit(groupId, 'topic-test0', o =>
      [...o.values()].some(v => v >= 0),
    );
    expect(committed.get(0)).toBe((await endOffset('topic-test0')) - 1);
  });

  it('several topics on one class: both listeners are called', async () => {
    app = await startExample('seed-multi-topic', uniqueName('g'));
    await produce('topic-test', [{ value: uniqueName('a') }]);
    await produce('topic-test2', [{ value: uniqueName('b') }, { value: uniqueName('c') }]);
    await waitFor(() => app!.getAttr<number>('total') === 3, 'three deliveries over two topics');
  });

  it('the producer example: UserService.invoke sends through the injected KafkaService', async () => {
    app = await startExample('seed-producer', uniqueName('g'), KOA);
    // By its provide id: the seed code compiles only with Midway's non-strict settings.
    const service = await app
      .getApplicationContext()
      .getAsync<{ invoke(value: unknown): Promise<RecordMetadata[]> }>('userService');
    const marker = { order: uniqueName('order') };
    const [metadata] = await service.invoke(marker);
    expect(metadata.topicName).toBe('test');

    const consumer = testKafka().consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
    const seen: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: ['test'], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void seen.push(String(message.value)),
    });
    try {
      await waitFor(() => seen.includes(JSON.stringify(marker)), 'the sent value on topic test');
    } finally {
      await consumer.disconnect();
    }
  });
});
