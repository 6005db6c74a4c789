import { Registry } from 'prom-client';
import { KafkaConfigError, type KafkaListenerOptions, type MidwayKafkaConfig } from 'midway-kafka';
import type { KafkaMessage } from 'kafkajs';
import type { DeclaredListener } from '../../src/listener/discover-listeners';
import { planGroups } from '../../src/listener/plan-groups';
import { decodeEnvelope } from '../../src/envelope/envelope';
import { resolveMetricsSettings } from '../../src/metrics/settings';
import { Buckets, CollectedMetric, histogramValues } from '../../src/metrics/collected';
import { tracingEnabled } from '../../src/tracing/settings';
import { ConsumerMetrics } from '../../src/metrics/consumer-metrics';
import { sampleOf } from '../observability/support';
import { parseTraceParent, traceIdForLog } from '../../src/tracing/trace-id';

class Videos {}

const plan = (options: KafkaListenerOptions, config: MidwayKafkaConfig = {}) =>
  planGroups(
    [
      {
        id: 'Videos.on',
        target: Videos,
        propertyKey: 'on',
        topic: 'videos',
        options,
      } satisfies DeclaredListener,
    ],
    { consumerConfig: { groupId: 'app' }, ...config },
  )[0].topics.get('videos')!.listeners[0];

const message = (value: string | null, headers: KafkaMessage['headers'] = {}): KafkaMessage =>
  ({
    key: null,
    value: value === null ? null : Buffer.from(value),
    headers,
    offset: '0',
    timestamp: '0',
    attributes: 0,
  }) as KafkaMessage;

describe('envelope options', () => {
  it('plans which types a listener takes and what becomes of the others', () => {
    expect(plan({ envelope: true, type: ['a', 'b'] }).envelope).toEqual({
      types: new Set(['a', 'b']),
      unmatched: 'skip',
    });
    expect(
      plan({ envelope: true }, { envelope: { unmatchedType: 'dead-letter' } }).envelope,
    ).toEqual({
      types: undefined,
      unmatched: 'dead-letter',
    });
    expect(plan({}, { envelope: { enabled: true } }).envelope).toBeDefined();
    expect(plan({ envelope: false }, { envelope: { enabled: true } }).envelope).toBeUndefined();
    expect(plan({}).envelope).toBeUndefined();
  });

  it.each([
    [
      { type: 'a' },
      "@KafkaListener('videos') on Videos.on: type: only applies to listeners that read envelopes",
    ],
    [{ envelope: true, type: [] }, 'type: must be a type name or a non-empty list of them'],
    [{ envelope: true, unmatchedType: 'drop' }, "unmatchedType: must be 'skip' or 'dead-letter'"],
    [{ envelope: true, deserializer: 'json' }, 'deserializer: cannot be combined with envelope'],
    [{ envelope: true, batch: true }, 'envelope: batch listeners do not decode envelopes'],
    [{ envelope: 'yes' }, 'envelope: must be true or false'],
  ])('refuses %j, naming where', (options, problem) => {
    expect(() => plan(options as KafkaListenerOptions)).toThrow(KafkaConfigError);
    expect(() => plan(options as KafkaListenerOptions)).toThrow(problem);
  });

  it('refuses a bad kafka.envelope', () => {
    expect(() => plan({ envelope: true }, { envelope: { source: '' } })).toThrow(
      'kafka.envelope.source: must be a non-empty string',
    );
  });
});

describe('decodeEnvelope', () => {
  it('decodes the fields other services write, as they wrote them', () => {
    const envelope = decodeEnvelope(
      message('{"type":"t","data":{"x":1},"timestamp":1714564800000,"source":"go","traceId":null}'),
    );
    expect({ ...envelope }).toEqual({
      type: 't',
      data: { x: 1 },
      timestamp: 1714564800000,
      source: 'go',
      traceId: undefined,
    });
  });

  it.each([
    [null, 'a tombstone (null value) is not an envelope'],
    ['{', 'the envelope is not JSON'],
    ['[1]', 'the envelope is not a JSON object'],
    ['{"type":"","data":1}', 'the envelope has no "type"'],
    ['{"type":"t"}', `the envelope of type 't' has no "data"`],
    ['{"type":"t","data":1,"timestamp":true}', '"timestamp" is neither a string nor a number'],
    ['{"type":"t","data":1,"source":3}', `the envelope's "source" is not a string`],
  ])('refuses %j', (value, problem) => {
    expect(() => decodeEnvelope(message(value))).toThrow(problem);
  });
});

describe('trace ids', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('reads a W3C traceparent and refuses invalid ones', () => {
    expect(parseTraceParent(traceparent)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
    });
    expect(parseTraceParent(`ff${traceparent.slice(2)}`)).toBeUndefined();
    expect(parseTraceParent(`${traceparent}-extra`)).toBeUndefined();
    expect(
      parseTraceParent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'),
    ).toBeUndefined();
    expect(parseTraceParent('not a traceparent')).toBeUndefined();
  });

  it("names a failed message's trace from its header, else from its envelope", () => {
    expect(traceIdForLog(message('x', { traceparent: Buffer.from(traceparent) }))).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(traceIdForLog(message('{"type":"t","data":1,"traceId":"abc-1"}'))).toBe('abc-1');
    expect(traceIdForLog(message('plain'))).toBeUndefined();
  });
});

describe('kafka.metrics and kafka.tracing', () => {
  it('is off unless enabled, and then uses the default registry and the kafka_ prefix', () => {
    expect(resolveMetricsSettings(undefined)).toBeUndefined();
    expect(resolveMetricsSettings({ enabled: false })).toBeUndefined();
    expect(resolveMetricsSettings({ enabled: true })).toMatchObject({
      prefix: 'kafka_',
      labels: {},
      lagRefreshInterval: 10_000,
    });
    expect(tracingEnabled(undefined)).toBe(false);
    expect(tracingEnabled({ enabled: true })).toBe(true);
  });

  it.each([
    [{ enabled: 'yes' }, 'kafka.metrics.enabled: must be true or false'],
    [
      { enabled: true, prefix: '9x' },
      'kafka.metrics.prefix: "9x" cannot start a Prometheus metric name',
    ],
    [{ enabled: true, registry: {} }, 'kafka.metrics.registry: is not a prom-client Registry'],
    [
      { enabled: true, labels: { topic: 'x' } },
      "kafka.metrics.labels.topic: 'topic' cannot be a constant label",
    ],
    [{ enabled: true, labels: { service: 1 } }, 'kafka.metrics.labels.service: must be a string'],
    [
      { enabled: true, buckets: { handler: [1, 0.5] } },
      'kafka.metrics.buckets.handler: must be a non-empty list of ascending positive numbers',
    ],
    [
      { enabled: true, lagRefreshInterval: NaN },
      'kafka.metrics.lagRefreshInterval: must be a number >= 1, got NaN',
    ],
  ])('refuses %j', (metrics, problem) => {
    expect(() => resolveMetricsSettings(metrics as never)).toThrow(KafkaConfigError);
    expect(() => resolveMetricsSettings(metrics as never)).toThrow(problem);
  });

  it('refuses a tracing.enabled that is not a boolean', () => {
    expect(() => tracingEnabled({ enabled: 1 } as never)).toThrow(
      'kafka.tracing.enabled: must be true or false',
    );
  });
});

describe('collected metrics', () => {
  it("are served by prom-client's registry like its own histograms", async () => {
    const registry = new Registry();
    const buckets = new Buckets([0.1, 1]);
    for (const value of [0.05, 0.5, 0.7, 3]) buckets.observe(value);
    registry.registerMetric(
      new CollectedMetric('x_seconds', 'help', 'histogram', () =>
        histogramValues('x_seconds', { topic: 't' }, buckets),
      ) as never,
    );
    expect(await registry.metrics()).toBe(
      [
        '# HELP x_seconds help',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{topic="t",le="0.1"} 1',
        'x_seconds_bucket{topic="t",le="1"} 3',
        'x_seconds_bucket{topic="t",le="+Inf"} 4',
        'x_seconds_sum{topic="t"} 4.25',
        'x_seconds_count{topic="t"} 4',
        '',
      ].join('\n'),
    );
  });
});

describe('handler timing of a listener', () => {
  const listenerPlan = plan({});
  const message = { timestamp: String(Date.now()) } as KafkaMessage;

  async function run(deliveries: number, pause: () => void) {
    const registry = new Registry();
    const metrics = new ConsumerMetrics(
      resolveMetricsSettings({ enabled: true, registry })!,
      () => ({}) as never,
      console as never,
    );
    const tally = metrics.listener(listenerPlan);
    for (let i = 0; i < deliveries; i++) {
      tally.handled(message, tally.start(), 1);
      pause();
    }
    const labels = { listener: 'Videos.on' };
    const result = {
      messages: await sampleOf(registry, 'kafka_consumer_messages_total', labels),
      timed: await sampleOf(registry, 'kafka_consumer_handler_duration_seconds_count', labels),
      latencies: await sampleOf(
        registry,
        'kafka_consumer_end_to_end_latency_seconds_count',
        labels,
      ),
    };
    await metrics.close();
    return result;
  }

  it('times every delivery of a listener that is not flooded', async () => {
    const spin = () => {
      const until = performance.now() + 0.02;
      while (performance.now() < until);
    };
    expect(await run(600, spin)).toEqual({ messages: 600, timed: 600, latencies: 600 });
  });

  it('times one delivery in 16, counted 16 times, once deliveries come faster than 100,000 a second', async () => {
    const { messages, timed, latencies } = await run(20_000, () => undefined);
    expect(messages).toBe(20_000);
    // The deliveries after the last timed one are not counted yet: fewer than 16.
    expect(timed).toBeGreaterThan(20_000 - 16);
    expect(timed).toBeLessThanOrEqual(20_000);
    expect(latencies).toBe(timed);
  });
});

describe('optional peers', () => {
  type Settings = typeof import('../../src/metrics/settings');
  type Otel = typeof import('../../src/tracing/otel');
  it.each([
    [
      'prom-client',
      () =>
        jest
          .requireActual<Settings>('../../src/metrics/settings')
          .resolveMetricsSettings({ enabled: true }),
      'kafka.metrics.enabled: metrics need the prom-client package',
      'npm i prom-client',
    ],
    [
      '@opentelemetry/api',
      () => jest.requireActual<Otel>('../../src/tracing/otel').loadOtel(),
      'kafka.tracing.enabled: tracing needs the @opentelemetry/api package',
      'npm i @opentelemetry/api',
    ],
  ])('fails start with what to install when %s is missing', (name, load, problem, fix) => {
    jest.isolateModules(() => {
      jest.doMock(name, () => {
        throw new Error(`Cannot find module '${name}'`);
      });
      expect(load).toThrow(problem);
      expect(load).toThrow(fix);
      jest.dontMock(name);
    });
  });
});
