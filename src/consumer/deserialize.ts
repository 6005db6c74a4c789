import type { KafkaMessage } from 'kafkajs';
import { KafkaDeserializationError } from '../errors';

/** Turns a message into the payload a handler sees as `ctx.payload`. */
export type Deserializer = (message: KafkaMessage) => unknown;

/** `'raw'`: the value Buffer as is (default); `'string'`: UTF-8 text; `'json'`: parsed JSON (a tombstone stays null). */
export type DeserializerOption = 'raw' | 'string' | 'json' | Deserializer;

const BUILT_IN: Record<'raw' | 'string' | 'json', Deserializer> = {
  raw: message => message.value,
  string: message => (message.value === null ? null : message.value.toString('utf8')),
  json: message => (message.value === null ? null : JSON.parse(message.value.toString('utf8'))),
};

export function resolveDeserializer(
  option: DeserializerOption | undefined,
  where: string,
): Deserializer {
  if (option === undefined) return BUILT_IN.raw;
  if (typeof option === 'function') return option;
  const builtIn = BUILT_IN[option];
  if (!builtIn) {
    throw new TypeError(
      `${where}: deserializer ${JSON.stringify(option)} is unknown. Use 'raw', 'string', 'json' or a function (message) => payload.`,
    );
  }
  return builtIn;
}

/**
 * Decodes `message`, turning any failure into a non-retriable error that names where it happened.
 * Synchronous deserializers stay synchronous: no promise per message on the hot path.
 */
export function decode(
  deserializer: Deserializer,
  message: KafkaMessage,
  topic: string,
  partition: number,
): unknown {
  try {
    const payload = deserializer(message);
    return payload instanceof Promise
      ? payload.catch(error => {
          throw decodingFailed(error, message, topic, partition);
        })
      : payload;
  } catch (error) {
    throw decodingFailed(error, message, topic, partition);
  }
}

function decodingFailed(
  error: unknown,
  message: KafkaMessage,
  topic: string,
  partition: number,
): KafkaDeserializationError {
  const reason = error instanceof Error ? error.message : String(error);
  return new KafkaDeserializationError(
    `Could not deserialize the message at ${topic}[${partition}]@${message.offset}: ${reason}`,
    { cause: error },
  );
}
