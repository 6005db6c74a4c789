import { KafkaComponentError } from '../errors/kafka-component-error';

/** A send the broker did not accept (or could not be reached for); `cause` is kafkajs's error. */
export class KafkaSendError extends KafkaComponentError {
  readonly topic: string;

  constructor(
    code: 'SEND_FAILED' | 'UNKNOWN_TOPIC',
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
  return new KafkaSendError(
    'SEND_FAILED',
    topic,
    `Sending to Kafka topic "${topic}" failed: ${detail}`,
    error,
  );
}

/** kafkajs nests the real protocol error under `cause` (retries exceeded → protocol error). */
function hasErrorType(error: unknown, type: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    if ((e as { type?: unknown }).type === type) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
