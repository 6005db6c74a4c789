import type { KafkaComponentErrorCode } from './kafka-component-error';

/**
 * Thrown by a handler when the failure is temporary (a database restarting, a rate limit): the
 * message is retried with backoff for as long as it takes and is never dead-lettered.
 */
export class KafkaRetriableError extends Error {
  readonly retriable = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Thrown by a handler when retrying cannot help (a malformed order, a failed validation): the
 * remaining attempts are skipped and the listener's failure policy (dead-letter by default) runs.
 */
export class KafkaNonRetriableError extends Error {
  readonly retriable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A message whose value the listener's deserializer could not decode; it never reaches the handler. */
export class KafkaDeserializationError extends KafkaNonRetriableError {
  /** The same stable code family as the component's own errors. */
  readonly code = 'DESERIALIZATION_FAILED' satisfies KafkaComponentErrorCode;
}

export function isRetriableError(error: unknown): boolean {
  return error instanceof KafkaRetriableError;
}

export function isNonRetriableError(error: unknown): boolean {
  return error instanceof KafkaNonRetriableError;
}
