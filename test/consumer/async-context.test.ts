import type { Application } from 'midway-kafka';
import { createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { MIDWAY_MAJOR } from '../helpers/midway';
import { names, seen } from './fixtures/async-context/src/names';

/**
 * Midway's async context manager (`asyncContextManager.enable`; on by default from Midway 4)
 * lets code without a ctx find the current one. With no middleware or filter registered, the
 * framework skips Midway's chain but still makes each message's context the current one.
 */
describe(`the async context of a message (Midway ${MIDWAY_MAJOR})`, () => {
  let app: Application | undefined;
  beforeAll(() => createTopicNamed(names.topic, 2));
  afterEach(async () => {
    await stopApp(app);
    app = undefined;
  });

  async function deliver(enable: boolean) {
    app = await startApp(
      fixture(__dirname, 'async-context'),
      { consumerConfig: { groupId: uniqueName('async-context') } },
      { asyncContextManager: { enable } },
    );
    const prefix = uniqueName('v');
    const values = [0, 1, 2, 3].map(i => `${prefix}-${i}`);
    await produce(
      names.topic,
      values.map((value, i) => ({ value, partition: i % 2 })),
    );
    await waitFor(() => values.every(v => seen.some(s => s.value === v)), 'every message handled');
    return seen.filter(s => s.value.startsWith(prefix));
  }

  it('with the manager on, each handler finds its own message as the current context', async () => {
    const handled = await deliver(true);
    for (const { current } of handled) {
      expect(current).toMatch(new RegExp(`^${names.topic}\\[[01]\\]@\\d+$`));
    }
    // Four messages, four different contexts.
    expect(new Set(handled.map(h => h.current)).size).toBe(4);
  });

  it('with the manager off, there is no current context', async () => {
    const handled = await deliver(false);
    expect(handled.map(h => h.current)).toEqual([undefined, undefined, undefined, undefined]);
  });
});
