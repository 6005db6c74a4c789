import { KafkaComponentError } from '../errors/kafka-component-error';

/** A send the broker did not accept (or could not be reached for); `cause` is kafkajs's error. */
export class KafkaSendError extends KafkaComponentError {
  readonly topic: string;

  constructor(
    code: 'SEND_FAILED' | 'UNKNOWN_TOPIC' | 'BROKER_UNAVAILABLE',
    topic: string,
    message: string,
    cause: unknown,
  ) {
    super(code, message, { cause });
    this.topic = topic;
  }
}

/** A message of a call could not be turned into bytes; nothing of that call was sent. */
export class KafkaSerializationError extends KafkaComponentError {
  readonly topic: string;

  constructor(topic: string, message: string, cause?: unknown) {
    super('SERIALIZATION_FAILED', message, { cause });
    this.topic = topic;
  }
}

/** Wraps a kafkajs failure so the message names the topic, keeping the original as `cause`. */
export function toSendError(topic: string, error: unknown): KafkaSendError {
  const detail = describe(error);
  if (hasErrorType(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
    return new KafkaSendError(
      'UNKNOWN_TOPIC',
      topic,
      `Kafka topic "${topic}" does not exist and the broker did not create it (${detail}). ` +
        'Create the topic, or allow automatic topic creation on the broker and in kafka.producerConfig.',
      error,
    );
  }
  if (hasErrorType(error, 'TOPIC_AUTHORIZATION_FAILED')) {
    return new KafkaSendError(
      'SEND_FAILED',
      topic,
      `This client may not write to Kafka topic "${topic}" (${detail}). ` +
        "Grant the client's principal WRITE and DESCRIBE on the topic.",
      error,
    );
  }
  if (CONNECTION_ERRORS.some(name => hasErrorName(error, name))) {
    return new KafkaSendError(
      'BROKER_UNAVAILABLE',
      topic,
      `Sending to Kafka topic "${topic}" failed: the broker could not be reached (${detail}).`,
      error,
    );
  }
  return new KafkaSendError(
    'SEND_FAILED',
    topic,
    `Sending to Kafka topic "${topic}" failed: ${detail}`,
    error,
  );
}

const CONNECTION_ERRORS = [
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaServiceSendTimeout',
];

function hasErrorType(error: unknown, type: string): boolean {
  return causes(error).some(e => (e as { type?: unknown }).type === type);
}

function hasErrorName(error: unknown, name: string): boolean {
  return causes(error).some(e => (e as { name?: unknown }).name === name);
}

/** kafkajs nests the real error under `cause` (retries exceeded → connection or protocol error). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e && chain.length < 8; e = (e as { cause?: unknown }).cause) {
    chain.push(e);
  }
  return chain;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
