import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { KafkaService, type Application } from 'midway-kafka';
import { consumeFromStart, createTopicNamed, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { names, reached } from './fixtures/chain/src/names';

const fixtureDir = fixture(__dirname, 'chain');
const exporter = new InMemorySpanExporter();

/** Starts `name` as the active span, runs `work` in it, ends it; returns its trace id. */
async function inRootSpan(name: string, work: () => Promise<unknown>): Promise<string> {
  return trace.getTracer('test').startActiveSpan(name, async (span: Span) => {
    try {
      await work();
    } finally {
      span.end();
    }
    return span.spanContext().traceId;
  });
}

describe('tracing (OpenTelemetry) across produce → consume → produce → consume', () => {
  let app: Application | undefined;
  let kafkaService: KafkaService;
  const groupId = uniqueName('chain');

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(
      new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
    );
    await createTopicNamed(names.first, 1);
    await createTopicNamed(names.second, 1);
    app = await startApp(fixtureDir, {
      consumerConfig: { groupId },
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 10 },
      tracing: { enabled: true },
    });
    kafkaService = await app.getApplicationContext().getAsync(KafkaService);
  });

  afterAll(async () => {
    await stopApp(app);
    trace.disable();
    context.disable();
  });

  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter(s => s.spanContext().traceId === traceId);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const one = (spans: ReadableSpan[], name: string, kind: SpanKind) => {
    const found = spans.filter(s => s.name === name && s.kind === kind);
    expect(found).toHaveLength(1);
    return found[0];
  };

  it("puts every step in the caller's trace, each span the child of the one before, retries included", async () => {
    const traceId = await inRootSpan('POST /videos', () => kafkaService.emit(names.first, 'v-1'));
    await waitFor(
      () => reached.some(r => r.value === 'v-1' && r.attempt === 2),
      'the second listener to succeed on its retry',
    );
    await waitFor(() => spansOf(traceId).length === 7, "the chain's seven spans");
    const spans = spansOf(traceId);
    const root = one(spans, 'POST /videos', SpanKind.INTERNAL);
    const sendFirst = one(spans, `send ${names.first}`, SpanKind.PRODUCER);
    const processFirst = one(spans, `process ${names.first}`, SpanKind.CONSUMER);
    const query = one(spans, 'db.query', SpanKind.INTERNAL);
    const sendSecond = one(spans, `send ${names.second}`, SpanKind.PRODUCER);
    const processSecond = spans.filter(s => s.name === `process ${names.second}`);

    expect(parentOf(sendFirst)).toBe(root.spanContext().spanId);
    expect(parentOf(processFirst)).toBe(sendFirst.spanContext().spanId);
    expect(parentOf(query)).toBe(processFirst.spanContext().spanId);
    expect(parentOf(sendSecond)).toBe(processFirst.spanContext().spanId);
    // Both attempts are children of the same send: a retry keeps the link.
    expect(
      processSecond.map(s => [parentOf(s), s.attributes['midway_kafka.attempt'], s.status.code]),
    ).toEqual(
      expect.arrayContaining([
        [sendSecond.spanContext().spanId, 1, SpanStatusCode.ERROR],
        [sendSecond.spanContext().spanId, 2, SpanStatusCode.UNSET],
      ]),
    );
    expect(processFirst.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': names.first,
      'messaging.destination.partition.id': '0',
      'messaging.consumer.group.name': groupId,
      'messaging.kafka.offset': 0,
      'messaging.message.body.size': 3,
      'midway_kafka.listener': 'ChainConsumer.first',
    });
    expect(sendFirst.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': names.first,
    });

    // The handler saw the trace, and so do its log lines and the component's lines about it.
    expect(reached.filter(r => r.value === 'v-1').map(r => r.traceId)).toEqual([traceId, traceId]);
    const appLog = readFileSync(join(fixtureDir, 'logs', 'midway-app.log'), 'utf8');
    expect(appLog).toMatch(
      new RegExp(
        `${names.second}\\[0\\]@0 traceId=${traceId} \\+\\d+ms\\] the chain reached its end with v-1`,
      ),
    );
    const kafkaLog = readFileSync(join(fixtureDir, 'logs', 'midway-kafka.log'), 'utf8');
    expect(kafkaLog).toContain(
      `ChainConsumer.second failed on ${names.second}[0]@0 (traceId ${traceId}) (attempt 1/3)`,
    );
  });

  it('keeps the trace context on a dead letter', async () => {
    const traceId = await inRootSpan('POST /videos', () =>
      kafkaService.emit(names.first, 'poison-1'),
    );
    const [traceparent] = await consumeFromStart(
      `${names.second}.DLT`,
      1,
      message => message.headers?.traceparent?.toString(),
      { what: 'the dead letter' },
    );
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('writes no header and makes no span while no SDK is registered', async () => {
    trace.disable();
    exporter.reset();
    await kafkaService.emit(names.first, 'untraced-1');
    await waitFor(
      () => reached.some(r => r.value === 'untraced-1' && r.attempt === 2),
      'the untraced message',
    );
    const [headers] = await consumeFromStart(names.second, 3, message => message.headers, {
      what: 'what the first listener sent on',
    }).then(all => all.slice(-1));
    expect(headers?.traceparent).toBeUndefined();
    expect(reached.find(r => r.value === 'untraced-1')?.traceId).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
