/** Stable codes for every error this component raises itself. */
export type KafkaComponentErrorCode =
  | 'CONFIG_INVALID'
  | 'LISTENER_INVALID'
  | 'START_FAILED'
  | 'NOT_CONNECTED'
  | 'STOPPED'
  | 'SERIALIZATION_FAILED'
  | 'DESERIALIZATION_FAILED'
  | 'BROKER_UNAVAILABLE'
  | 'SEND_FAILED'
  | 'UNKNOWN_TOPIC'
  | 'RECORD_TOO_LARGE'
  | 'RECORD_INVALID'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_ABORTED'
  | 'FRAMEWORK_CONFLICT';

/** Root of the component's errors: a stable `code`, a message that says how to fix it, and a `cause`. */
export class KafkaComponentError extends Error {
  readonly code: KafkaComponentErrorCode;

  constructor(code: KafkaComponentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value is missing or wrong; the message names its path, e.g. `kafka.consumerConfig.groupId`. */
export class KafkaConfigError extends KafkaComponentError {
  constructor(path: string, problem: string, fix: string) {
    super('CONFIG_INVALID', `Invalid Kafka configuration at ${path}: ${problem}. ${fix}`);
  }
}
