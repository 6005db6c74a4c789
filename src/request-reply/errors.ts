import { KafkaComponentError } from '../errors/kafka-component-error';
import type { ReplyErrorPayload } from './wire';

/** No reply came within the request's timeout; a reply arriving later is dropped (and counted). */
export class KafkaRequestTimeoutError extends KafkaComponentError {
  constructor(
    readonly topic: string,
    readonly correlationId: string,
    readonly timeoutMs: number,
  ) {
    super(
      'REQUEST_TIMEOUT',
      `No reply to the request to Kafka topic "${topic}" within ${timeoutMs} ms (correlation id ${correlationId}). ` +
        `Check that a listener consumes "${topic}" and answers requests; raise the timeout option ` +
        'or kafka.requestReply.timeout if it needs longer.',
    );
  }
}

/** The request's `AbortSignal` fired before the reply came; `cause` is the signal's reason. */
export class KafkaRequestAbortedError extends KafkaComponentError {
  constructor(
    readonly topic: string,
    readonly correlationId: string | undefined,
    reason: unknown,
  ) {
    super('REQUEST_ABORTED', `The request to Kafka topic "${topic}" was aborted.`, {
      cause: reason,
    });
  }
}

/**
 * The replier answered with an error: `message` and `code` are the ones it sent (`code` is
 * `'REPLY_ERROR'` when it sent none, as NestJS does), `reply` is everything it sent.
 */
export class KafkaReplyError extends Error {
  readonly code: string;
  /** The error's name on the replier's side, when it said. */
  readonly remoteName: string | undefined;

  constructor(
    readonly topic: string,
    readonly correlationId: string,
    readonly reply: ReplyErrorPayload,
  ) {
    super(reply.message);
    this.name = new.target.name;
    this.code = reply.code === undefined ? 'REPLY_ERROR' : String(reply.code);
    this.remoteName = typeof reply.name === 'string' ? reply.name : undefined;
  }
}
