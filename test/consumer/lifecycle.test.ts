import { KafkaComponentError, KafkaConfigError, type Application } from 'midway-kafka';
import { committedOffsets, createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { handled, names, pace } from './fixtures/lifecycle/src/names';

const app = () => fixture(__dirname, 'lifecycle');
const values = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const handledWith = (prefix: string) => handled.filter(v => v.startsWith(`${prefix}-`));

describe('consumer lifecycle', () => {
  let running: Application | undefined;
  beforeAll(() => createTopicNamed(names.topic, 2));
  afterEach(async () => {
    pace.delayMs = 0;
    await stopApp(running);
    running = undefined;
  });

  it('resumes after a restart exactly where it stopped: 10 before, then exactly the 5 new ones', async () => {
    const groupId = uniqueName('restart');
    const first = values(uniqueName('first'), 10);
    const second = values(uniqueName('second'), 5);

    running = await startApp(app(), { consumerConfig: { groupId } });
    await produce(
      names.topic,
      first.map(value => ({ value, key: value })),
    );
    await waitFor(() => handled.filter(v => first.includes(v)).length === 10, 'the first ten');
    await stopApp(running);
    running = undefined;
    const committed = await committedOffsets(groupId, names.topic);
    expect([...committed.values()].reduce((a, b) => a + Math.max(b, 0), 0)).toBeGreaterThanOrEqual(
      10,
    );

    running = await startApp(app(), { consumerConfig: { groupId } });
    await produce(
      names.topic,
      second.map(value => ({ value, key: value })),
    );
    await waitFor(() => handled.filter(v => second.includes(v)).length === 5, 'the five new ones');
    expect(handled.filter(v => first.includes(v))).toHaveLength(10);
    expect(handled.filter(v => second.includes(v)).sort()).toEqual([...second].sort());
  });

  it('a graceful stop mid-stream loses nothing and handles nothing twice', async () => {
    const groupId = uniqueName('graceful');
    const prefix = uniqueName('stream');
    const all = values(prefix, 600);
    await produce(
      names.topic,
      all.map((value, i) => ({ value, partition: i % 2 })),
    );
    pace.delayMs = 2;

    running = await startApp(app(), { consumerConfig: { groupId }, shutdownTimeout: 10_000 });
    // fromBeginning is false, so this group starts at the end: move it back to the start of our messages.
    await stopApp(running);
    running = undefined;
    await resetGroupTo(groupId, all.length);

    running = await startApp(app(), { consumerConfig: { groupId }, shutdownTimeout: 10_000 });
    await waitFor(() => handledWith(prefix).length >= 150, 'a quarter of the stream');
    await stopApp(running);
    running = undefined;
    const beforeRestart = handledWith(prefix).length;
    expect(beforeRestart).toBeLessThan(all.length);

    pace.delayMs = 0;
    running = await startApp(app(), { consumerConfig: { groupId } });
    await waitFor(() => handledWith(prefix).length >= all.length, 'the rest of the stream');
    // Give a duplicate the chance to show up before counting.
    await waitFor(
      async () => sum(await committedOffsets(groupId, names.topic)) >= endOffsetsSum,
      'all committed',
    );
    expect(handledWith(prefix).sort()).toEqual([...all].sort());
  });

  let endOffsetsSum = 0;
  /** Points the (stopped) group back to where our `count` messages begin on each partition. */
  async function resetGroupTo(groupId: string, count: number): Promise<void> {
    const { withAdmin } = await import('../helpers/kafka');
    await withAdmin(async admin => {
      const ends = await admin.fetchTopicOffsets(names.topic);
      endOffsetsSum = ends.reduce((total, p) => total + Number(p.high), 0);
      const perPartition = count / ends.length;
      await admin.setOffsets({
        groupId,
        topic: names.topic,
        partitions: ends.map(p => ({
          partition: p.partition,
          offset: String(Number(p.high) - perPartition),
        })),
      });
    });
  }

  it('a long batch commits finished work along the way, not only when it ends', async () => {
    const groupId = uniqueName('long-batch');
    const prefix = uniqueName('slow');
    const slow = values(prefix, 40);
    running = await startApp(app(), { consumerConfig: { groupId } });
    const before = (await committedOffsets(groupId, names.topic)).get(0) ?? -1;
    pace.delayMs = 250;
    // One produce request to one partition is one record batch: kafkajs hands it over as one batch.
    await produce(
      names.topic,
      slow.map(value => ({ value, partition: 0 })),
    );
    await waitFor(() => handledWith(prefix).length >= 30, 'three quarters of the batch', 20_000);
    const committed = (await committedOffsets(groupId, names.topic)).get(0) ?? -1;
    expect(handledWith(prefix).length).toBeLessThan(slow.length);
    // At 250 ms a message, about 20 were finished when the 5 s commit was due.
    expect(committed - Math.max(before, 0)).toBeGreaterThanOrEqual(15);
  });

  it('an unreachable broker makes start fail with an error naming the brokers', async () => {
    const error = await startApp(app(), {
      kafkaConfig: {
        brokers: ['127.0.0.1:1'],
        connectionTimeout: 300,
        retry: { retries: 1, initialRetryTime: 100 },
      },
      consumerConfig: { groupId: uniqueName('unreachable') },
      producerConfig: { retry: { retries: 0 } },
    }).then(
      started => {
        running = started;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaComponentError);
    expect(String((error as Error).message)).toContain('127.0.0.1:1');
  });

  it('a listener without a group id fails start, naming kafka.consumerConfig.groupId', async () => {
    const error = await startApp(app(), {}).then(
      started => {
        running = started;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as Error).message).toContain('kafka.consumerConfig.groupId');
    expect((error as Error).message).toContain('ValuesConsumer.onValue');
  });
});

function sum(offsets: Map<number, number>): number {
  return [...offsets.values()].reduce((total, o) => total + Math.max(o, 0), 0);
}
