import type { Application } from 'midway-kafka';
import { committedOffsets, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { received } from './fixtures/seed-basic/src/configuration';

/** The consumer examples of seed 004, as written, on a real broker. */
describe('seed 004 consumer examples', () => {
  let app: Application | undefined;
  afterEach(async () => {
    await stopApp(app);
    app = undefined;
  });

  it('the basic @KafkaListener receives every message through the middleware chain', async () => {
    app = await startApp(fixture(__dirname, 'seed-basic'), {
      consumerConfig: { groupId: uniqueName('g') },
    });
    const marker = uniqueName('basic');
    await produce(
      'topic-test',
      [1, 2, 3].map(i => ({ key: `k${i}`, value: `${marker}-${i}` })),
    );
    await waitFor(
      () => received.filter(r => r.value.startsWith(marker)).length === 3,
      'three messages',
    );
    expect(received.filter(r => r.value.startsWith(marker)).map(r => r.value)).toEqual([
      `${marker}-1`,
      `${marker}-2`,
      `${marker}-3`,
    ]);
  });

  it('manual commit: commitOffsets(message.offset) commits exactly that offset, so the message comes back after a restart', async () => {
    const groupId = uniqueName('g');
    app = await startApp(fixture(__dirname, 'seed-manual-commit'), { consumerConfig: { groupId } });
    await produce('topic-test0', [{ value: uniqueName('manual') }]);
    await waitFor(() => app!.getAttr<number>('total') === 1, 'the first delivery');
    const before = await waitForCommit(groupId, 'topic-test0');
    await stopApp(app);

    app = await startApp(fixture(__dirname, 'seed-manual-commit'), { consumerConfig: { groupId } });
    // The committed offset is the message's own offset: Kafka reads from there, so it is delivered a second time.
    await waitFor(
      () => app!.getAttr<number>('total') === 1,
      'the second delivery of the same message',
    );
    expect(await committedOffsets(groupId, 'topic-test0')).toEqual(before);
  });

  it('several topics on one class: both listeners are called', async () => {
    app = await startApp(fixture(__dirname, 'seed-multi-topic'), {
      consumerConfig: { groupId: uniqueName('g') },
    });
    await produce('topic-test', [{ value: uniqueName('a') }]);
    await produce('topic-test2', [{ value: uniqueName('b') }, { value: uniqueName('c') }]);
    await waitFor(() => app!.getAttr<number>('total') === 3, 'three deliveries over two topics');
  });
});

async function waitForCommit(groupId: string, topic: string): Promise<Map<number, number>> {
  let offsets = new Map<number, number>();
  await waitFor(async () => {
    offsets = await committedOffsets(groupId, topic);
    return [...offsets.values()].some(o => o >= 0);
  }, `a commit of ${groupId} on ${topic}`);
  return offsets;
}
