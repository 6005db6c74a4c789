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

/**
 * Thrown by a batch listener (`batch: true`) when one message of its batch failed: the messages
 * before `index` count as handled and are committed, the one at `index` goes through the
 * listener's retries and failure policy on its own (`cause` decides, as for a single message), and
 * the rest are delivered again after it. Spring Kafka's `BatchListenerFailedException` idea.
 */
export class KafkaBatchError extends Error {
  constructor(
    /** Position in the batch handed to the listener of the message that failed. */
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(
      `message ${index} of the batch failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.name = new.target.name;
  }
}
