import type { IHeaders, KafkaMessage, Message } from 'kafkajs';

/**
 * The headers of a request and its reply. The first three are Spring Kafka's `KafkaHeaders`
 * names, which NestJS's Kafka transport uses too; the last two are NestJS's own.
 */
export const REPLY_HEADERS = {
  /** Set by the caller, copied unchanged (as bytes) onto the reply. */
  correlationId: 'kafka_correlationId',
  /** Where the reply goes. A message with a correlation id and a reply topic is a request. */
  replyTopic: 'kafka_replyTopic',
  /** The reply topic's partition the caller reads (optional): decimal text or a 4-byte int. */
  replyPartition: 'kafka_replyPartition',
  /** On an error reply: the error, as JSON `{ status: 'error', message, code?, name? }` or text. */
  error: 'kafka_nest-err',
  /** On the last reply to a request; NestJS callers complete their call on it. */
  disposed: 'kafka_nest-is-disposed',
} as const;

/** Where and how to answer a request. */
export interface ReplyAddress {
  readonly topic: string;
  /** The partition the caller asked for; undefined lets the producer pick one. */
  readonly partition: number | undefined;
  /** The caller's correlation id, exactly as it came (a string from NestJS, bytes from Spring). */
  readonly correlationId: Buffer | string;
}

type HeaderValue = IHeaders[string];

/** The last value of a header (Kafka allows repeats; Spring reads the last one too). */
function lastValue(value: HeaderValue): Buffer | string | undefined {
  if (Array.isArray(value)) return value.length > 0 ? value[value.length - 1] : undefined;
  return value ?? undefined;
}

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * The reply address of a request, or undefined for an event (no correlation id or no reply
 * topic, as NestJS decides it). Cheap on events: two property reads.
 */
export function replyAddressOf(message: KafkaMessage): ReplyAddress | undefined {
  const headers = message.headers;
  if (headers === undefined) return undefined;
  const topic = lastValue(headers[REPLY_HEADERS.replyTopic]);
  const correlationId = lastValue(headers[REPLY_HEADERS.correlationId]);
  if (topic === undefined || correlationId === undefined) return undefined;
  const topicName = text(topic);
  if (topicName === '') return undefined;
  return {
    topic: topicName,
    partition: decodeReplyPartition(lastValue(headers[REPLY_HEADERS.replyPartition])),
    correlationId,
  };
}

/**
 * NestJS writes the partition as decimal text ("0"), Spring's ReplyingKafkaTemplate as a
 * big-endian 4-byte int. The two never look alike: a 4-byte int made only of ASCII digits would
 * be a partition number above 800 million. Anything else is no partition.
 */
export function decodeReplyPartition(value: Buffer | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const asText = text(value);
  if (/^\d{1,10}$/.test(asText)) {
    const partition = Number(asText);
    return partition <= 0x7fffffff ? partition : undefined;
  }
  if (Buffer.isBuffer(value) && value.length === 4) {
    const partition = value.readInt32BE(0);
    return partition >= 0 ? partition : undefined;
  }
  return undefined;
}

/**
 * A reply value as bytes, the way NestJS writes them: strings and Buffers as they are, nothing
 * (`undefined`/`null`) as an empty value, everything else as JSON.
 */
export function encodeReplyValue(value: unknown): string | Buffer | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length);
  return JSON.stringify(value) ?? null;
}

/** What an error reply says about the error: what NestJS's `RpcException` filter sends, plus name and code. */
export interface ReplyErrorPayload {
  status: 'error';
  message: string;
  code?: string | number;
  name?: string;
}

export function errorPayload(error: unknown): ReplyErrorPayload {
  if (error instanceof Error) {
    const payload: ReplyErrorPayload = {
      status: 'error',
      message: error.message,
      // A subclass that does not set its name still reports its class.
      name: error.name === 'Error' ? error.constructor.name : error.name,
    };
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') payload.code = code;
    return payload;
  }
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return {
      status: 'error',
      ...(error as object),
      message: (error as { message: string }).message,
    };
  }
  return { status: 'error', message: String(error) };
}

/** The reply to `address`: `value` on success, or the error when `error` is set. */
export function buildReply(
  address: ReplyAddress,
  outcome: { value: unknown } | { error: unknown },
): Message {
  const headers: IHeaders = {
    [REPLY_HEADERS.correlationId]: address.correlationId,
    // NestJS's client checks only that this header is there.
    [REPLY_HEADERS.disposed]: DISPOSED,
  };
  let value: string | Buffer | null = null;
  if ('error' in outcome) {
    headers[REPLY_HEADERS.error] = JSON.stringify(errorPayload(outcome.error));
  } else {
    value = encodeReplyValue(outcome.value);
  }
  const message: Message = { value, headers };
  if (address.partition !== undefined) message.partition = address.partition;
  return message;
}

const DISPOSED = Buffer.alloc(1);

/** What a caller reads from a reply. */
export type ReadReply =
  | { readonly correlationId: string; readonly error: ReplyErrorPayload }
  | { readonly correlationId: string; readonly error?: undefined };

/** The correlation id and error (if any) of a reply; undefined when it has no correlation id. */
export function readReply(message: KafkaMessage): ReadReply | undefined {
  const headers = message.headers;
  if (headers === undefined) return undefined;
  const id = lastValue(headers[REPLY_HEADERS.correlationId]);
  if (id === undefined) return undefined;
  const correlationId = text(id);
  const error = lastValue(headers[REPLY_HEADERS.error]);
  if (error === undefined) return { correlationId };
  return { correlationId, error: parseErrorPayload(text(error)) };
}

/** NestJS sends JSON for error objects and plain text for error strings. */
function parseErrorPayload(raw: string): ReplyErrorPayload {
  if (raw.startsWith('{')) {
    try {
      const parsed = JSON.parse(raw) as Record<string, unknown>;
      const message = typeof parsed.message === 'string' ? parsed.message : raw;
      return { ...parsed, status: 'error', message } as ReplyErrorPayload;
    } catch {
      // Not JSON after all: the text is the message.
    }
  }
  return { status: 'error', message: raw };
}

/**
 * How NestJS's client turns a reply value into what `send()` emits: nothing stays null, bytes
 * starting with a zero byte (a schema-registry frame) stay a Buffer, text starting with `{` or
 * `[` is parsed as JSON when it parses, anything else is a string.
 */
export function decodeAuto(message: KafkaMessage): unknown {
  const value = message.value;
  if (value === null || value === undefined) return null;
  if (value.length > 0 && value[0] === 0) return value;
  const asText = value.toString('utf8');
  const first = asText.charAt(0);
  if (first === '{' || first === '[') {
    try {
      return JSON.parse(asText);
    } catch {
      return asText;
    }
  }
  return asText;
}
