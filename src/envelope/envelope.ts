import type { KafkaMessage } from 'kafkajs';

/**
 * The JSON envelope services in other languages send and route on by `type`:
 * `{"type":"video.created","data":{…},"timestamp":"2024-05-01T12:00:00.000Z","source":"video-service","traceId":"…"}`.
 */
export interface Envelope<T = unknown> {
  readonly type: string;
  readonly data: T;
  /** As the sender wrote it: an ISO 8601 string (what `emit` writes), or ms since the epoch. */
  readonly timestamp?: string | number;
  /** The service that sent it. */
  readonly source?: string;
  readonly traceId?: string;
}

/** A decoded envelope: the context recognises it and gives the listener its `data` as `ctx.payload`. */
export class KafkaEnvelope<T = unknown> implements Envelope<T> {
  constructor(
    readonly type: string,
    readonly data: T,
    readonly timestamp: string | number | undefined,
    readonly source: string | undefined,
    readonly traceId: string | undefined,
  ) {}
}

/** Decodes a message's envelope; throws an error saying what is wrong with a malformed one. */
export function decodeEnvelope(message: KafkaMessage): KafkaEnvelope {
  if (message.value === null) throw new Error('a tombstone (null value) is not an envelope');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw new Error(`the envelope is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('the envelope is not a JSON object');
  }
  const fields = parsed as Record<string, unknown>;
  if (typeof fields.type !== 'string' || fields.type === '') {
    throw new Error('the envelope has no "type" (a non-empty string)');
  }
  if (!('data' in fields)) throw new Error(`the envelope of type '${fields.type}' has no "data"`);
  const { timestamp } = fields;
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp !== 'string' && typeof timestamp !== 'number') {
      throw new Error('the envelope\'s "timestamp" is neither a string nor a number');
    }
  }
  return new KafkaEnvelope(
    fields.type,
    fields.data,
    (timestamp ?? undefined) as string | number | undefined,
    optionalText(fields, 'source'),
    optionalText(fields, 'traceId'),
  );
}

function optionalText(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`the envelope's "${name}" is not a string`);
  return value;
}

/** The JSON text of an envelope. */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify({
    type: envelope.type,
    data: envelope.data,
    timestamp: envelope.timestamp,
    source: envelope.source,
    traceId: envelope.traceId,
  });
}
