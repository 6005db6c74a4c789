import { Registry } from 'prom-client';
import { KafkaService, readDeadLetterHeaders, type Application } from 'midway-kafka';
import { consumeFromStart, createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { consoleProduce } from '../testing/support';
import { names, received } from './fixtures/envelope/src/names';
import { sampleOf } from './support';

const fixtureDir = fixture(__dirname, 'envelope');
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// The Java console producer starts a JVM; on two busy cores that takes a few seconds.
jest.setTimeout(120_000);

describe('the JSON envelope {type, data, timestamp, source, traceId}', () => {
  const registry = new Registry();
  const groupId = uniqueName('envelope');
  let app: Application | undefined;
  let kafkaService: KafkaService;
  const of = (listener: string) => received.filter(r => r.listener === listener);

  beforeAll(async () => {
    await createTopicNamed(names.videos, 1);
    await createTopicNamed(names.orders, 1);
    app = await startApp(fixtureDir, {
      consumerConfig: { groupId },
      envelope: { source: 'video-service' },
      metrics: { enabled: true, registry },
    });
    kafkaService = await app.getApplicationContext().getAsync(KafkaService);
  });

  afterAll(() => stopApp(app));

  it('emit writes the envelope; each listener gets the data of its types and skips the others', async () => {
    await kafkaService.emit(names.videos, { id: 'v1' }, { type: 'video.created', key: 'v1' });
    await kafkaService.emit(names.videos, { id: 'v1', title: 'T' }, { type: 'video.updated' });
    await kafkaService.emit(names.videos, { id: 'v1' }, { type: 'video.archived' });
    await kafkaService.emit(names.videos, { id: 'v2' }, { type: 'video.created' });
    await waitFor(
      () => of('created').length === 2 && of('changed').length === 1,
      'the routed envelopes',
    );

    const [first] = of('created');
    expect(first.payload).toEqual({ id: 'v1' });
    expect(first.envelope).toMatchObject({
      type: 'video.created',
      data: { id: 'v1' },
      source: 'video-service',
      timestamp: expect.stringMatching(ISO_TIME),
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(first.traceId).toBe(first.envelope?.traceId);
    expect(of('created')[1].payload).toEqual({ id: 'v2' });
    expect(of('changed').map(r => [r.envelope?.type, r.payload])).toEqual([
      ['video.updated', { id: 'v1', title: 'T' }],
    ]);

    // On the wire: exactly the five fields, as other services read them.
    const values = await consumeFromStart(names.videos, 4, m => JSON.parse(m.value!.toString()));
    expect(Object.keys(values[0]).sort()).toEqual([
      'data',
      'source',
      'timestamp',
      'traceId',
      'type',
    ]);

    // Skipped (and committed) rather than handed over: 'created' skips 2, 'changed' skips 3.
    const listener = (name: string) => ({ group: groupId, listener: `VideoConsumer.${name}` });
    await waitFor(
      async () =>
        (await sampleOf(registry, 'kafka_consumer_skipped_total', listener('changed'))) === 3,
      'three envelopes skipped by VideoConsumer.changed',
    );
    expect(await sampleOf(registry, 'kafka_consumer_skipped_total', listener('created'))).toBe(2);
    expect(await sampleOf(registry, 'kafka_consumer_messages_total', listener('created'))).toBe(2);
  });

  it("dead-letters malformed envelopes and, with unmatchedType: 'dead-letter', other types", async () => {
    const paid = JSON.stringify({ type: 'order.paid', data: { order: 7 }, source: 'billing' });
    await produce(names.orders, [
      { value: 'not json' },
      { value: JSON.stringify({ data: { order: 1 } }) },
      { value: JSON.stringify({ type: 'order.refunded', data: { order: 2 } }) },
      { value: paid },
    ]);
    await waitFor(() => of('paid').length === 1, 'the paid order');
    expect(of('paid')[0]).toMatchObject({ payload: { order: 7 }, envelope: { source: 'billing' } });

    const reasons = await consumeFromStart(
      `${names.orders}.DLT`,
      3,
      m => readDeadLetterHeaders(m.headers).exceptionMessage,
      { what: 'three dead letters' },
    );
    expect(reasons).toEqual([
      expect.stringContaining('the envelope is not JSON'),
      expect.stringContaining('the envelope has no "type"'),
      expect.stringContaining("its envelope type 'order.refunded' is not one the listener takes"),
    ]);
  });

  it("routes and decodes an envelope written by Kafka's Java console producer", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const envelope = {
      type: 'video.created',
      data: { id: 'java-1', tags: ['a', 'b'] },
      timestamp: '2024-05-01T12:00:00Z',
      source: 'java-service',
      traceId: 'seed-trace-1',
    };
    // parse.headers: "name:value<TAB>key|value"; traceparent has neither ':' nor ','.
    const line = `traceparent:00-${traceId}-00f067aa0ba902b7-01\tjava-1|${JSON.stringify(envelope)}`;
    const produced = await consoleProduce(names.videos, [line]);
    expect({ code: produced.code, stderr: produced.stderr }).toMatchObject({ code: 0 });

    await waitFor(
      () => of('created').some(r => r.envelope?.source === 'java-service'),
      'the Java envelope',
    );
    const fromJava = of('created').find(r => r.envelope?.source === 'java-service')!;
    expect(fromJava.payload).toEqual({ id: 'java-1', tags: ['a', 'b'] });
    expect(fromJava.envelope).toEqual(envelope);
    // The W3C header wins over the envelope's own traceId for the logs.
    expect(fromJava.traceId).toBe(traceId);
  });
});
