import { Registry } from 'prom-client';
import type { Application, KafkaService as KafkaServiceType } from 'midway-kafka';
import { KafkaService } from 'midway-kafka';
import { createTopicNamed, produce, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { uniqueName } from '../helpers/kafka';
import { names, seen } from './fixtures/metrics/src/names';
import { sampleOf } from './support';

const fixtureDir = fixture(__dirname, 'metrics');

describe('metrics (prom-client) on the real broker', () => {
  const registry = new Registry();
  const groupId = uniqueName('metrics');
  let app: Application | undefined;
  let kafkaService: KafkaServiceType;
  const listener = { group: groupId, topic: names.topic, listener: 'MeteredConsumer.onMessage' };
  const sample = (name: string, labels: Record<string, string | number> = listener) =>
    sampleOf(registry, `kafka_${name}`, labels);
  const until = async (
    name: string,
    expected: number,
    labels?: Record<string, string | number>,
  ) => {
    let last = NaN;
    await waitFor(
      async () => (last = await sample(name, labels)) === expected,
      `${name} = ${expected}`,
    ).catch(error => {
      throw new Error(`${(error as Error).message} (last ${last})`);
    });
  };

  beforeAll(async () => {
    await createTopicNamed(names.topic, 1);
    app = await startApp(fixtureDir, {
      consumerConfig: { groupId },
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 },
      metrics: { enabled: true, registry, lagRefreshInterval: 100, labels: { service: 'test' } },
    });
    kafkaService = await app.getApplicationContext().getAsync(KafkaService);
  });

  afterAll(() => stopApp(app));

  it('counts handled messages, their handler time and end-to-end latency, and what KafkaService wrote', async () => {
    await Promise.all(['ok-1', 'ok-2', 'ok-3'].map(v => kafkaService.emit(names.topic, v)));
    await waitFor(() => seen.handled.length === 3, 'three messages handled');

    await until('consumer_messages_total', 3);
    expect(await sample('consumer_handler_duration_seconds_count')).toBe(3);
    expect(await sample('consumer_end_to_end_latency_seconds_count')).toBe(3);
    // Every observation falls in some bucket: the +Inf bucket holds all three.
    expect(
      await sample('consumer_handler_duration_seconds_bucket', { ...listener, le: '+Inf' }),
    ).toBe(3);
    expect(await sample('consumer_handler_errors_total')).toBe(0);
    expect(await sample('producer_messages_total', { topic: names.topic, service: 'test' })).toBe(
      3,
    );
    expect(await sample('producer_send_duration_seconds_count', { topic: names.topic })).toBe(3);
    // Concurrent calls are coalesced: 3 messages in 1 to 3 requests.
    expect(await sample('producer_batch_messages_sum', { topic: names.topic })).toBe(3);
    const requests = await sample('producer_batch_messages_count', { topic: names.topic });
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(requests).toBeLessThanOrEqual(3);
    expect(await sample('consumer_group_state', { group: groupId, state: 'joined' })).toBe(1);
    expect(await sample('consumer_group_state', { group: groupId, state: 'rebalancing' })).toBe(0);
    // One join, or more if kafkajs restarted the consumer while the coordinator was loading.
    expect(await sample('consumer_rebalances_total', { group: groupId })).toBeGreaterThanOrEqual(1);
  });

  it('counts handler errors, retries and dead letters', async () => {
    await produce(names.topic, [
      { value: 'fail-once-1' },
      { value: 'poison-1' },
      { value: 'ok-4' },
    ]);
    await waitFor(() => seen.handled.includes('ok-4'), 'the message after the poison one');

    await until('consumer_messages_total', 5);
    // fail-once fails once (retried), poison fails once (non-retriable, dead-lettered).
    expect(await sample('consumer_handler_errors_total')).toBe(2);
    expect(await sample('consumer_retries_total')).toBe(1);
    expect(await sample('consumer_dead_lettered_total')).toBe(1);
    // Every attempt is timed, the failed ones too.
    expect(await sample('consumer_handler_duration_seconds_count')).toBe(7);
  });

  it('shows the lag rising while the listener paused its partition, and falling after it resumes', async () => {
    await produce(names.topic, [{ value: 'pause-1' }]);
    await waitFor(() => seen.resume !== undefined, 'the listener to pause its partition');
    await until('consumer_lag', 0, { group: groupId, topic: names.topic, partition: 0 });

    await produce(
      names.topic,
      Array.from({ length: 5 }, (_, i) => ({ value: `ok-after-pause-${i}` })),
    );
    // Nothing is fetched while paused: the lag comes from the partition's end read at scrape time.
    await until('consumer_lag', 5, { group: groupId, topic: names.topic, partition: 0 });
    expect(seen.handled.filter(v => v.startsWith('ok-after-pause'))).toEqual([]);

    seen.resume!();
    await waitFor(() => seen.handled.length === 11, 'the five messages after the resume');
    await until('consumer_lag', 0, { group: groupId, topic: names.topic, partition: 0 });
    expect(await sample('consumer_messages_total')).toBe(11);
  });

  it('counts KafkaService calls that fail, by code', async () => {
    await expect(
      kafkaService.send({ topic: names.topic, messages: [{ value: 42 as unknown as string }] }),
    ).rejects.toMatchObject({ code: 'SERIALIZATION_FAILED' });
    expect(
      await sample('producer_send_errors_total', {
        topic: names.topic,
        code: 'SERIALIZATION_FAILED',
      }),
    ).toBe(1);
  });

  it('serves every metric in the Prometheus text format, and takes them out of the registry at stop', async () => {
    const text = await registry.metrics();
    expect(text).toContain('# TYPE kafka_consumer_handler_duration_seconds histogram');
    expect(text).toMatch(
      new RegExp(
        `kafka_consumer_messages_total\\{group="${groupId}",topic="${names.topic}",listener="MeteredConsumer.onMessage",service="test"\\} 11`,
      ),
    );
    expect(text).toMatch(/kafka_consumer_lag\{[^}]*partition="0"[^}]*\} 0/);
    await stopApp(app);
    app = undefined;
    expect(await registry.metrics()).not.toContain('kafka_');
  });
});
