import { KafkaComponentError, KafkaConfigError, type KafkaListenerOptions } from 'midway-kafka';
import type { DeclaredListener } from '../../src/listener/discover-listeners';
import { planGroups } from '../../src/listener/plan-groups';

class Orders {}
class Audit {}

const listener = (
  target: new () => object,
  method: string,
  topic: string,
  options: KafkaListenerOptions = {},
): DeclaredListener => ({
  id: `${target.name}.${method}`,
  target,
  propertyKey: method,
  topic,
  options,
});

describe('planGroups', () => {
  const config = { consumerConfig: { groupId: 'app' } };

  it('puts every listener of a group on one consumer, with the union of their topics', () => {
    const [group, ...others] = planGroups(
      [
        listener(Orders, 'a', 'orders'),
        listener(Audit, 'b', 'audit'),
        listener(Audit, 'c', 'orders'),
      ],
      config,
    );
    expect(others).toEqual([]);
    expect(group.groupId).toBe('app');
    expect([...group.topics.keys()]).toEqual(['orders', 'audit']);
    expect(group.topics.get('orders')!.listeners.map(l => l.id)).toEqual(['Orders.a', 'Audit.c']);
    expect(group.consumerConfig).toMatchObject({ groupId: 'app', maxWaitTimeInMs: 1000 });
  });

  it('fetches 2 MiB, all of it for one partition when partitions are handled one at a time', () => {
    const [group] = planGroups([listener(Orders, 'a', 'orders')], config);
    expect(group.consumerConfig).toMatchObject({
      maxBytes: 2 * 1024 * 1024,
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
  });

  it('shares a fetch among the partitions handled at once, unless the user sized them', () => {
    const concurrent = (consumerConfig: object) =>
      planGroups(
        [listener(Orders, 'a', 'orders', { runConfig: { partitionsConsumedConcurrently: 4 } })],
        { consumerConfig: { groupId: 'app', ...consumerConfig } },
      )[0].consumerConfig;
    expect(concurrent({})).toMatchObject({ maxBytes: 2 ** 21, maxBytesPerPartition: 2 ** 19 });
    expect(concurrent({ maxBytes: 2 ** 23 })).toMatchObject({ maxBytesPerPartition: 2 ** 21 });
    expect(concurrent({ maxBytesPerPartition: 2 ** 20 })).toMatchObject({
      maxBytes: 2 ** 21,
      maxBytesPerPartition: 2 ** 20,
    });
    // However many partitions at once, each may still fetch a reasonable amount.
    expect(concurrent({ maxBytes: 2 ** 16 })).toMatchObject({ maxBytesPerPartition: 2 ** 16 });
  });

  it('gives a listener with its own groupId its own consumer', () => {
    const groups = planGroups(
      [listener(Orders, 'a', 'orders'), listener(Audit, 'b', 'audit', { groupId: 'audit-g' })],
      config,
    );
    expect(groups.map(g => g.groupId)).toEqual(['app', 'audit-g']);
  });

  it('takes the highest partitionsConsumedConcurrently and the smallest commit interval of a group', () => {
    const [group] = planGroups(
      [
        listener(Orders, 'a', 'orders', {
          runConfig: { partitionsConsumedConcurrently: 3, autoCommitInterval: 5000 },
        }),
        listener(Audit, 'b', 'audit', {
          runConfig: { autoCommitInterval: 1000, autoCommitThreshold: 50 },
        }),
      ],
      config,
    );
    expect(group.partitionsConsumedConcurrently).toBe(3);
    expect(group.autoCommitInterval).toBe(1000);
    expect(group.autoCommitThreshold).toBe(50);
  });

  it('names kafka.consumerConfig.groupId and the listener when no group id is set', () => {
    expect(() => planGroups([listener(Orders, 'a', 'orders')], {})).toThrow(KafkaConfigError);
    expect(() => planGroups([listener(Orders, 'a', 'orders')], {})).toThrow(
      /kafka\.consumerConfig\.groupId.*Orders\.a/,
    );
  });

  it('refuses listeners of one topic and group that disagree on autoCommit or fromBeginning', () => {
    const manual = listener(Audit, 'b', 'orders', { runConfig: { autoCommit: false } });
    expect(() => planGroups([listener(Orders, 'a', 'orders'), manual], config)).toThrow(
      KafkaComponentError,
    );
    expect(() => planGroups([listener(Orders, 'a', 'orders'), manual], config)).toThrow(
      /runConfig\.autoCommit.*own \{ groupId/,
    );
    const early = listener(Audit, 'b', 'orders', { subscription: { fromBeginning: true } });
    expect(() => planGroups([listener(Orders, 'a', 'orders'), early], config)).toThrow(
      /subscription\.fromBeginning/,
    );
  });

  it('refuses an empty topic, a bad retry policy and an unknown failure policy, naming where', () => {
    expect(() => planGroups([listener(Orders, 'a', '')], config)).toThrow(/Orders\.a has no topic/);
    expect(() =>
      planGroups([listener(Orders, 'a', 'orders', { retry: { attempts: 0 } })], config),
    ).toThrow(
      /at @KafkaListener\('orders'\) on Orders\.a: retry\.attempts: must be a whole number >= 1 or Infinity, got 0/,
    );
    expect(() =>
      planGroups([listener(Orders, 'a', 'orders')], { ...config, retry: { multiplier: 0.5 } }),
    ).toThrow(/kafka\.retry\.multiplier/);
    const bad = { onFailure: 'ignore' } as unknown as KafkaListenerOptions;
    expect(() => planGroups([listener(Orders, 'a', 'orders', bad)], config)).toThrow(
      /"ignore" is not a failure policy/,
    );
  });

  it('resolves retry, failure policy and dead-letter topic: listener over config over defaults', () => {
    const [group] = planGroups(
      [
        listener(Orders, 'a', 'orders', { retry: { attempts: 7 } }),
        listener(Audit, 'b', 'audit', { deadLetterTopic: 'audit-dead', onFailure: 'stop' }),
      ],
      { ...config, retry: { initialDelayMs: 50 }, deadLetterTopic: topic => `dlt.${topic}` },
    );
    const [orders] = group.topics.get('orders')!.listeners;
    const [audit] = group.topics.get('audit')!.listeners;
    expect(orders.retry).toMatchObject({ attempts: 7, initialDelayMs: 50, multiplier: 2 });
    expect(orders.onFailure).toBe('dead-letter');
    expect(orders.deadLetterTopic).toBe('dlt.orders');
    expect(audit.deadLetterTopic).toBe('audit-dead');
    expect(audit.onFailure).toBe('stop');
  });
});
