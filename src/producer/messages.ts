import type { IHeaders, Message } from 'kafkajs';
import { KafkaSerializationError } from './errors';

/** Options of `KafkaService.emit`. */
export interface EmitOptions {
  /** Partitioning key; messages with the same key go to the same partition. */
  key?: string | Buffer | null;
  /** Header values must be strings or Buffers (or arrays of them). */
  headers?: IHeaders;
  /** Send to this partition instead of the one the key (or round-robin) picks. */
  partition?: number;
  /** The record's timestamp: ms since the epoch, as a number, a numeric string or a Date. */
  timestamp?: number | string | Date;
  /**
   * Send the value in a JSON envelope `{type, data, timestamp, source, traceId}` of this type, for
   * services that route on `type` (listeners with `envelope: true`).
   */
  type?: string;
  /** With `type`: the envelope's `traceId` (default: the active trace's, else a new random one). */
  traceId?: string;
}

/** Messages of one call, checked and copied, with the bytes they will take in a request. */
export interface PreparedMessages {
  messages: Message[];
  /** Estimated bytes of all the messages in a request (see `estimateRecordBytes`). */
  bytes: number;
  /** Bytes of the largest message's key, value and headers, without any framing. */
  largestPayload: number;
  /** Index of the first message without a key, or -1: a compacted topic refuses those. */
  keylessAt: number;
  /** The earliest and latest timestamp the messages set (Infinity and -Infinity: none did). */
  earliestTimestamp: number;
  latestTimestamp: number;
}

/** Kafka's per-record framing (lengths, deltas, attributes) is a few bytes; this errs high. */
export const RECORD_OVERHEAD_BYTES = 24;
/** Allowance per header on top of its name and value bytes. */
const HEADER_OVERHEAD_BYTES = 8;

/**
 * The estimated bytes of one checked message in a request, the same sum `prepareMessages` makes:
 * used to cut a call too large for one request into parts.
 */
export function estimateRecordBytes(message: Message): number {
  return RECORD_OVERHEAD_BYTES + payloadBytes(message, HEADER_OVERHEAD_BYTES);
}

/** Bytes of one checked message's key, value and headers (plus `perHeader` for each header). */
export function payloadBytes(message: Message, perHeader = 0): number {
  let bytes = dataBytes(message.value) + dataBytes(message.key);
  const headers = message.headers;
  if (headers !== undefined && headers !== null) {
    for (const [name, raw] of Object.entries(headers)) {
      if (raw === undefined) continue;
      bytes += Buffer.byteLength(name) + perHeader;
      if (Array.isArray(raw)) for (const item of raw) bytes += dataBytes(item);
      else bytes += dataBytes(raw);
    }
  }
  return bytes;
}

function dataBytes(data: string | Buffer | null | undefined): number {
  if (data === null || data === undefined) return 0;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/**
 * Turns an `emit` value into a Kafka value: strings and Buffers go as they are, `null` is a
 * tombstone, everything else (objects, arrays, numbers, booleans) becomes JSON.
 */
export function serializeValue(topic: string, value: unknown): string | Buffer | null {
  if (value === null) return null;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  if (value === undefined) {
    throw new KafkaSerializationError(
      topic,
      `Cannot emit undefined to Kafka topic "${topic}": use null for a tombstone.`,
    );
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new KafkaSerializationError(
      topic,
      `Cannot serialise the value for Kafka topic "${topic}" to JSON: ${(error as Error).message}`,
      error,
    );
  }
  if (json === undefined) {
    throw new KafkaSerializationError(
      topic,
      `Cannot serialise a ${typeof value} to JSON for Kafka topic "${topic}".`,
    );
  }
  return json;
}

/** Builds the single message of an `emit` call. */
export function buildEmitMessage(
  topic: string,
  value: unknown,
  options: EmitOptions = {},
): Message {
  const message: Message = { value: serializeValue(topic, value) };
  if (options.key !== undefined) message.key = options.key;
  if (options.headers !== undefined) message.headers = options.headers;
  if (options.partition !== undefined) message.partition = options.partition;
  if (options.timestamp !== undefined) message.timestamp = toTimestamp(topic, options.timestamp);
  return message;
}

function toTimestamp(topic: string, timestamp: number | string | Date): string {
  const ms = timestamp instanceof Date ? timestamp.getTime() : Number(timestamp);
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new KafkaSerializationError(
      topic,
      `Invalid timestamp ${String(timestamp)} for Kafka topic "${topic}": use ms since the epoch.`,
    );
  }
  return String(ms);
}

/**
 * Checks every message of a call before any of it is queued, so a bad message fails only its
 * own call and never a shared produce request. Copies the messages: the caller's objects are
 * neither changed nor reused as identities by the partition tracker.
 */
export function prepareMessages(topic: unknown, messages: unknown): PreparedMessages {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new KafkaSerializationError(
      String(topic),
      `Invalid Kafka topic ${JSON.stringify(topic) ?? String(topic)}: expected a non-empty string.`,
    );
  }
  if (!Array.isArray(messages)) {
    throw new KafkaSerializationError(
      topic,
      `Invalid messages for Kafka topic "${topic}": expected an array of { key?, value, headers? }.`,
    );
  }
  const prepared: Message[] = new Array(messages.length);
  let bytes = 0;
  let largestPayload = 0;
  let keylessAt = -1;
  let earliestTimestamp = Infinity;
  let latestTimestamp = -Infinity;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Message | null | undefined;
    if (message === null || typeof message !== 'object') {
      throw new KafkaSerializationError(topic, `Invalid ${where(i, topic)}: expected an object.`);
    }
    const { key, value, partition, headers, timestamp } = message;
    let payload = sizeOf(value, 'value', i, topic);
    const copy: Message = { value };
    if (key !== undefined) {
      payload += sizeOf(key, 'key', i, topic);
      copy.key = key;
    }
    if ((key === undefined || key === null) && keylessAt < 0) keylessAt = i;
    if (partition !== undefined && partition !== null) {
      if (!Number.isInteger(partition) || partition < 0) {
        throw new KafkaSerializationError(
          topic,
          `Invalid partition ${String(partition)} of ${where(i, topic)}: expected an integer >= 0.`,
        );
      }
      copy.partition = partition;
    }
    let framing = RECORD_OVERHEAD_BYTES;
    if (headers !== undefined && headers !== null) {
      const size = headersSize(headers, where(i, topic), topic);
      payload += size.payload;
      framing += size.count * HEADER_OVERHEAD_BYTES;
      copy.headers = headers;
    }
    if (timestamp !== undefined && timestamp !== null) {
      copy.timestamp = timestamp;
      const ms = Number(timestamp);
      if (ms < earliestTimestamp) earliestTimestamp = ms;
      if (ms > latestTimestamp) latestTimestamp = ms;
    }
    bytes += payload + framing;
    if (payload > largestPayload) largestPayload = payload;
    prepared[i] = copy;
  }
  return {
    messages: prepared,
    bytes,
    largestPayload,
    keylessAt,
    earliestTimestamp,
    latestTimestamp,
  };
}

/** Names a message in an error; built only when there is an error to report. */
function where(index: number, topic: string): string {
  return `message ${index} for Kafka topic "${topic}"`;
}

function sizeOf(data: unknown, part: 'key' | 'value', index: number, topic: string): number {
  if (data === null) return 0;
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Buffer.isBuffer(data)) return data.length;
  const hint =
    part === 'value'
      ? 'KafkaService.send takes a string, a Buffer or null; JSON.stringify the value or use emit().'
      : 'Use a string, a Buffer or null.';
  throw new KafkaSerializationError(
    topic,
    `Cannot send the ${part} of ${where(index, topic)}: it is ${data === undefined ? 'undefined' : `a ${typeof data}`}. ${hint}`,
  );
}

function headersSize(
  headers: unknown,
  where: string,
  topic: string,
): { payload: number; count: number } {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    throw new KafkaSerializationError(
      topic,
      `Invalid headers of ${where}: expected an object of string or Buffer values.`,
    );
  }
  let payload = 0;
  let count = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    payload += Buffer.byteLength(name);
    count++;
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      if (typeof item !== 'string' && !Buffer.isBuffer(item)) {
        throw new KafkaSerializationError(
          topic,
          `Invalid header "${name}" of ${where}: a header value must be a string or a Buffer, got a ${typeof item}.`,
        );
      }
      payload += typeof item === 'string' ? Buffer.byteLength(item) : item.length;
    }
  }
  return { payload, count };
}
