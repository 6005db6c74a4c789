import type * as OtelApi from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';
import { KafkaConfigError } from '../errors';
import { headerText, parseTraceParent, useActiveTraceId } from './trace-id';

export type Otel = typeof OtelApi;

let loaded: Otel | undefined;

/** `@opentelemetry/api`, loaded only when `kafka.tracing.enabled` asks for it. */
export function loadOtel(): Otel {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('@opentelemetry/api') as Otel;
  } catch (error) {
    throw new KafkaConfigError(
      'kafka.tracing.enabled',
      `tracing needs the @opentelemetry/api package, which could not be loaded (${(error as Error).message})`,
      'Install it (npm i @opentelemetry/api) with an OpenTelemetry SDK, or set kafka.tracing.enabled to false.',
    );
  }
  const api = loaded;
  useActiveTraceId(() => api.trace.getActiveSpan()?.spanContext().traceId);
  return api;
}

const TRACER_NAME = 'midway-kafka';

const HEADER_GETTER: OtelApi.TextMapGetter<IHeaders> = {
  keys: carrier => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier, key),
};

/**
 * The component's view of OpenTelemetry: a tracer while an SDK is registered (none otherwise, so
 * no span, header or context is made for nothing), and W3C trace context in Kafka headers —
 * through the app's propagator when it registered one, else written and read here.
 */
export class Tracing {
  private readonly noop: OtelApi.TracerProvider;
  private provider: OtelApi.TracerProvider | undefined;
  private tracer: OtelApi.Tracer | undefined;
  /**
   * `tracerNow()` as of the latest `refresh()`: the consumers refresh it once per fetched batch,
   * so a delivery pays a property read, not a look at the global registry (~40 ns).
   */
  current: OtelApi.Tracer | undefined;

  constructor(readonly api: Otel) {
    // A proxy without a delegate answers with the API's no-op provider: the one to recognise.
    this.noop = new api.ProxyTracerProvider().getDelegate();
    this.refresh();
  }

  refresh(): void {
    this.current = this.tracerNow();
  }

  /** The tracer of the SDK registered now, or undefined when none is (the API is then a no-op). */
  tracerNow(): OtelApi.Tracer | undefined {
    const global = this.api.trace.getTracerProvider() as Partial<OtelApi.ProxyTracerProvider> &
      OtelApi.TracerProvider;
    const provider = typeof global.getDelegate === 'function' ? global.getDelegate() : global;
    if (provider === this.noop) return undefined;
    if (provider !== this.provider) {
      this.provider = provider;
      this.tracer = provider.getTracer(TRACER_NAME);
    }
    return this.tracer;
  }

  /** The context a message was sent from (its `traceparent`), or the root context. */
  extract(message: KafkaMessage): OtelApi.Context {
    const { api } = this;
    const headers = message.headers ?? {};
    if (api.propagation.fields().length > 0) {
      return api.propagation.extract(api.ROOT_CONTEXT, headers, HEADER_GETTER);
    }
    const parent = parseTraceParent(headerText(headers, 'traceparent'));
    if (!parent) return api.ROOT_CONTEXT;
    const state = headerText(headers, 'tracestate');
    return api.trace.setSpanContext(api.ROOT_CONTEXT, {
      ...parent,
      isRemote: true,
      traceState: state ? api.createTraceState(state) : undefined,
    });
  }

  /** Writes `context`'s trace into `headers` (a copy the caller owns). */
  inject(
    context: OtelApi.Context,
    headers: Record<string, string | Buffer | (string | Buffer)[]>,
  ): void {
    const { api } = this;
    if (api.propagation.fields().length > 0) {
      api.propagation.inject(context, headers);
      return;
    }
    const span = api.trace.getSpanContext(context);
    if (!span || !api.trace.isSpanContextValid(span)) return;
    const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
    headers.traceparent = `00-${span.traceId}-${span.spanId}-${flags}`;
    const state = span.traceState?.serialize();
    if (state) headers.tracestate = state;
    else delete headers.tracestate;
  }

  /** Ends `span` as failed by `error`. */
  fail(span: OtelApi.Span, error: unknown): void {
    const { api } = this;
    if (error instanceof Error) {
      span.recordException(error);
      span.setAttribute('error.type', error.name);
    }
    span.setStatus({
      code: api.SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    span.end();
  }
}
