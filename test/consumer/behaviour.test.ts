import type { Application, MessageFailure, MidwayKafkaFramework } from 'midway-kafka';
import { committedOffsets, createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { inFlight, names, seen } from './fixtures/behaviour/src/names';

/** One app with several consumer classes in one group, on a real broker. */
describe('consumer framework behaviour', () => {
  const groupId = uniqueName('behaviour');
  let app: Application;
  let framework: MidwayKafkaFramework;
  const stoppedPartitions: MessageFailure[] = [];

  beforeAll(async () => {
    for (const topic of [
      names.orders,
      names.audit,
      names.shared,
      names.guarded,
      names.filtered,
      names.flaky,
    ]) {
      await createTopicNamed(topic, 1);
    }
    await createTopicNamed(names.partitioned, 4);
    app = await startApp(fixture(__dirname, 'behaviour'), { consumerConfig: { groupId } });
    framework = app.getFramework() as unknown as MidwayKafkaFramework;
    framework.onPartitionStopped(failure => stoppedPartitions.push(failure));
  });
  afterAll(() => stopApp(app));

  const seenBy = (by: string, prefix: string) =>
    seen.filter(s => s.by === by && s.value.startsWith(prefix));

  it('runs one consumer for the group with the topics of both classes', async () => {
    expect(framework.getStatus()).toEqual({
      [groupId]: 'joined',
      [names.partitionedGroup]: 'joined',
    });
    const marker = uniqueName('two-classes');
    await produce(names.orders, [{ value: `${marker}-order` }]);
    await produce(names.audit, [{ value: `${marker}-audit` }]);
    await waitFor(
      () => seenBy('orders', marker).length === 1 && seenBy('audit', marker).length === 1,
      'both classes',
    );
    expect(
      seenBy('middleware', marker)
        .map(s => s.topic)
        .sort(),
    ).toEqual([names.audit, names.orders].sort());
    // The middleware opened this delivery's request container: the instance still gets its ctx.
    const [order] = seenBy('orders', marker);
    expect(order.sameContext).toBe(true);
    expect(order.setByMiddleware).toBe(order.offset);
  });

  it('gives every message of a topic to each of its listeners, and commits only after all of them', async () => {
    const marker = uniqueName('shared');
    await produce(
      names.shared,
      [1, 2, 3].map(i => ({ value: `${marker}-${i}` })),
    );
    await waitFor(() => seenBy('shared-2', marker).length === 3, 'the second listener');
    expect(seenBy('shared-1', marker).map(s => s.value)).toEqual(
      [1, 2, 3].map(i => `${marker}-${i}`),
    );
    expect(seenBy('shared-2', marker).map(s => s.value)).toEqual(
      [1, 2, 3].map(i => `${marker}-${i}`),
    );
    await waitFor(
      async () => (await committedOffsets(groupId, names.shared)).get(0) === 3,
      'offset 3 committed',
    );
  });

  it('retries a failing handler in place: nothing lost, order kept, committed after success', async () => {
    const marker = uniqueName('flaky');
    const values = [1, 2, 3, 4, 5].map(i => `${marker}-${i}`);
    await produce(
      names.flaky,
      values.map(value => ({ value })),
    );
    await waitFor(() => seenBy('flaky', marker).length === 5, 'five handled messages');
    const handled = seenBy('flaky', marker);
    expect(handled.map(s => s.value)).toEqual(values);
    expect(handled.map(s => s.attempt)).toEqual([3, 3, 3, 3, 3]);
    await waitFor(
      async () => (await committedOffsets(groupId, names.flaky)).get(0) === 5,
      'offset 5 committed',
    );
  });

  it('a filter that handles the error makes the message handled (and committed)', async () => {
    const marker = uniqueName('filtered');
    await produce(names.filtered, [{ value: marker }]);
    await waitFor(
      () => seen.some(s => s.by === 'filter' && s.value === `domain error for ${marker}`),
      'the filter',
    );
    await waitFor(
      async () => (await committedOffsets(groupId, names.filtered)).get(0) === 1,
      'offset 1 committed',
    );
  });

  it("a guard's refusal is a failure: with onFailure 'stop' the partition pauses and nothing after it is handled", async () => {
    const marker = uniqueName('guarded');
    await produce(names.guarded, [
      { key: 'ok', value: `${marker}-1` },
      { key: 'deny', value: `${marker}-2` },
      { key: 'ok', value: `${marker}-3` },
    ]);
    await waitFor(
      () => stoppedPartitions.some(f => f.topic === names.guarded),
      'the partition to stop',
    );
    const failure = stoppedPartitions.find(f => f.topic === names.guarded)!;
    expect(failure.message.offset).toBe('1');
    expect(String(failure.error)).toContain('forbidden');
    expect(seenBy('guarded', marker).map(s => s.value)).toEqual([`${marker}-1`]);
    expect((await committedOffsets(groupId, names.guarded)).get(0)).toBe(1);
    // The other topics of the group keep flowing.
    const after = uniqueName('after-stop');
    await produce(names.orders, [{ value: after }]);
    await waitFor(() => seenBy('orders', after).length === 1, 'another topic of the group');
  });

  it('handles partitions concurrently, each delivery with its own context', async () => {
    const marker = uniqueName('parts');
    const messages = Array.from({ length: 40 }, (_, i) => ({
      value: `${marker}-${i}`,
      partition: i % 4,
    }));
    await produce(names.partitioned, messages);
    await waitFor(() => seenBy('partitioned', marker).length === 40, 'forty messages');
    const handled = seenBy('partitioned', marker);
    expect(new Set(handled.map(s => s.partition))).toEqual(new Set([0, 1, 2, 3]));
    expect(handled.every(s => s.sameContext && s.injectedPartition === s.partition)).toBe(true);
    expect(inFlight.max).toBeGreaterThan(1);
    for (let p = 0; p < 4; p++) {
      const values = handled
        .filter(s => s.partition === p)
        .map(s => Number(s.value.split('-').pop()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });
});
