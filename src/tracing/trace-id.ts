import type { IHeaders, KafkaMessage } from 'kafkajs';

/** A W3C `traceparent` header's parts (https://www.w3.org/TR/trace-context/#traceparent-header). */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags: number;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/** The parts of a `traceparent` value, or undefined if it is not a valid one. */
export function parseTraceParent(value: string | undefined): TraceParent | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has nothing after the flags; later versions may.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(spanId)) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) };
}

/** A header's value as text (the first one, if it was sent several times). */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Finds the trace id of the OpenTelemetry span active now, when tracing is on. */
let activeTraceId: (() => string | undefined) | undefined;

/** Called by tracing when it is enabled, so log lines of a message can name a trace it started. */
export function useActiveTraceId(source: () => string | undefined): void {
  activeTraceId = source;
}

/**
 * The trace id a message's log lines carry: its `traceparent` header's, else its envelope's
 * `traceId`, else that of the span tracing runs its handler in.
 */
export function traceIdOf(
  message: KafkaMessage | undefined,
  envelopeTraceId?: string,
): string | undefined {
  return (
    parseTraceParent(headerText(message?.headers, 'traceparent'))?.traceId ??
    envelopeTraceId ??
    activeTraceId?.()
  );
}

const ENVELOPE_TRACE_ID = /"traceId"\s*:\s*"([^"\\]{1,128})"/;

/**
 * For log lines about a message the framework could not hand over (failures): its trace id
 * from the header or, without one, a `"traceId"` field of its JSON value (an envelope's).
 */
export function traceIdForLog(message: KafkaMessage): string | undefined {
  const fromHeader = parseTraceParent(headerText(message.headers, 'traceparent'))?.traceId;
  if (fromHeader !== undefined || message.value === null) return fromHeader;
  return ENVELOPE_TRACE_ID.exec(message.value.toString('utf8', 0, 64 * 1024))?.[1];
}
