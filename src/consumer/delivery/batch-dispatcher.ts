import type { KafkaMessage } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { KafkaBatchContext, type ContextHost } from '../../context/kafka-context';
import { isNonRetriableError, isRetriableError, KafkaBatchError } from '../../errors';
import { decode } from '../deserialize';
import { isRebalanceError } from '../membership';
import type { DeliveryOutcome, DeliveryScope, ListenerRuntime } from '../message-dispatcher';
import type { FailingMessages } from '../retry/failing-messages';
import { retryDelay } from '../retry/retry-policy';
import { replyAddressOf } from '../../request-reply/wire';

/**
 * What became of a batch: its first `done` messages are finished (commit them), then
 * - `done`: all of them; `again`: go on at once with the messages after `done` (a retry whose
 *   short backoff passed in place, or the rest after a failed message was dead-lettered);
 * - `aborted` / `stopped` / `{ retryInMs }`: as for a single message (see DeliveryOutcome).
 */
export interface BatchOutcome {
  readonly done: number;
  readonly next: DeliveryOutcome | 'again';
}

export interface BatchDispatcherParts {
  readonly contextHost: ContextHost;
  readonly logger: ILogger;
  /** Attempts of failing deliveries, shared with the single-message path. */
  readonly failing: FailingMessages;
  /** Runs the listener's failure policy for one message (dead letter, 'stop', a function). */
  recover(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<DeliveryOutcome>;
  /** Waits a backoff in place, heartbeating; false once the partition is given up. */
  wait(ms: number, scope: DeliveryScope): Promise<boolean>;
}

/** A message of the batch with what its deserializer made of it. */
interface Decoded {
  readonly message: KafkaMessage;
  /** Its position in the batch as fetched. */
  readonly position: number;
  readonly payload?: unknown;
  readonly error?: unknown;
}

/**
 * Hands a batch of one partition to a batch listener, as Spring Kafka's DefaultErrorHandler does
 * for batch listeners: a thrown error retries the whole batch (attempts counted on its first
 * message) and, once they are used up, runs the failure policy for each message; a
 * `KafkaBatchError(index, cause)` finishes the messages before `index` and retries from there, the
 * failed message alone reaching the failure policy. Messages the deserializer rejects are left out
 * of the batch and go to the failure policy, as single messages do.
 */
export class BatchDispatcher {
  /** Batch listeners already warned that requests reach them. */
  private readonly warnedOfRequests = new WeakSet<ListenerRuntime>();

  constructor(private readonly parts: BatchDispatcherParts) {}

  async deliver(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    messages: readonly KafkaMessage[],
  ): Promise<BatchOutcome> {
    if (!this.warnedOfRequests.has(listener)) this.warnOfRequests(listener, messages);
    const decoded = await Promise.all(
      messages.map((message, position) => decodeOne(listener, scope, message, position)),
    );
    const handed = decoded.filter(d => !('error' in d));
    const first = messages[0].offset;
    const attempt = this.attemptsSoFar(listener, scope, first) + 1;
    if (handed.length > 0) {
      const ctx = new KafkaBatchContext(
        this.parts.contextHost,
        scope,
        handed.map(d => d.message),
        handed.map(d => d.payload),
        attempt,
      );
      const { observer } = listener;
      const startedAt = observer.start();
      try {
        await listener.invoke(ctx);
      } catch (error) {
        observer.failed(startedAt);
        return this.afterFailure(listener, scope, decoded, handed, attempt, error);
      }
      observer.handled(handed[0].message, startedAt, handed.length);
    }
    this.parts.failing.settle(scope.id, first);
    return this.recoverUndecodable(listener, scope, decoded, decoded.length, 'done');
  }

  private async afterFailure(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    decoded: readonly Decoded[],
    handed: readonly Decoded[],
    attempt: number,
    error: unknown,
  ): Promise<BatchOutcome> {
    if (scope.isAborted() || isRebalanceError(error)) {
      this.parts.logger.warn(
        `[midway-kafka] ${listener.plan.id} did not finish a batch of ${where(scope, decoded)} while its partition ` +
          `was being given up (rebalance or stop); it stays uncommitted and comes again: ${String(error)}`,
      );
      return { done: 0, next: 'aborted' };
    }
    const failed =
      error instanceof KafkaBatchError && Number.isInteger(error.index)
        ? handed[error.index]
        : undefined;
    if (error instanceof KafkaBatchError && !failed) {
      this.parts.logger.error(
        `[midway-kafka] ${listener.plan.id} threw KafkaBatchError(${String(error.index)}) for a batch of ` +
          `${handed.length}: no such message, so the whole batch is retried`,
      );
    }
    if (!failed) return this.batchFailed(listener, scope, decoded, attempt, error);
    // The messages before it are finished (dead-lettering undecodable ones among them first).
    const before = await this.recoverUndecodable(
      listener,
      scope,
      decoded,
      failed.position,
      'again',
    );
    if (before.done < failed.position) return before;
    const { message } = failed;
    const cause = (error as KafkaBatchError).cause;
    // From here the failed message leads the batch: its attempts live under its own offset.
    const previous =
      failed.position === 0 ? attempt - 1 : this.attemptsSoFar(listener, scope, message.offset);
    if (failed.position > 0) this.parts.failing.settle(scope.id, decoded[0].message.offset);
    const outcome = await this.retryOrRecover(listener, scope, message, previous + 1, cause, () =>
      this.parts.recover(listener, scope, message, cause, previous + 1),
    );
    if (outcome === 'done') return { done: failed.position + 1, next: 'again' };
    return { done: failed.position, next: outcome };
  }

  /** A failure that names no message: the whole batch is retried, then recovered message by message. */
  private async batchFailed(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    decoded: readonly Decoded[],
    attempt: number,
    error: unknown,
  ): Promise<BatchOutcome> {
    let recoveredUpTo = 0;
    const outcome = await this.retryOrRecover(
      listener,
      scope,
      decoded[0].message,
      attempt,
      error,
      async () => {
        for (const d of decoded) {
          const cause = 'error' in d ? d.error : error;
          const recovered = await this.parts.recover(listener, scope, d.message, cause, attempt);
          if (recovered !== 'done') return recovered;
          recoveredUpTo = d.position + 1;
        }
        return 'done';
      },
    );
    if (outcome === 'done') return { done: decoded.length, next: 'done' };
    return { done: recoveredUpTo, next: outcome };
  }

  /**
   * After failed attempt `attempt` of the batch led by `lead`: `again` once a short backoff passed
   * in place, a paused retry for a long one, or — retries used up — what `recover` makes of it.
   */
  private async retryOrRecover(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    lead: KafkaMessage,
    attempt: number,
    error: unknown,
    recover: () => Promise<DeliveryOutcome>,
  ): Promise<DeliveryOutcome | 'again'> {
    const { retry, id } = listener.plan;
    const giveUp =
      !isRetriableError(error) && (isNonRetriableError(error) || attempt >= retry.attempts);
    const of = retry.attempts === Infinity ? '' : `/${retry.attempts}`;
    const log = (next: string) =>
      this.parts.logger.error(
        `[midway-kafka] ${id} failed on a batch from ${scope.topic}[${scope.partition}]@${lead.offset} ` +
          `(attempt ${attempt}${of}), ${next}:`,
        error,
      );
    if (giveUp) {
      log('giving up');
      const outcome = await recover();
      this.parts.failing.settle(scope.id, lead.offset);
      return outcome;
    }
    const retryInMs = retryDelay(retry, attempt);
    listener.observer.retried();
    this.parts.failing.recordFailure(scope, lead.offset, id, attempt, []);
    if (retryInMs < scope.inPlaceRetryBelowMs) {
      log(`retrying in ${retryInMs} ms`);
      return (await this.parts.wait(retryInMs, scope)) ? 'again' : 'aborted';
    }
    log(`retrying in ${retryInMs} ms (partition paused meanwhile)`);
    return { retryInMs };
  }

  /** Runs the failure policy for the undecodable messages before position `end`, in order. */
  private async recoverUndecodable(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    decoded: readonly Decoded[],
    end: number,
    next: 'done' | 'again',
  ): Promise<BatchOutcome> {
    for (const d of decoded.slice(0, end)) {
      if (!('error' in d)) continue;
      this.parts.logger.error(
        `[midway-kafka] ${listener.plan.id}: ${scope.topic}[${scope.partition}]@${d.message.offset} is not deserializable, left out of its batch:`,
        d.error,
      );
      listener.observer.failed(0);
      const outcome = await this.parts.recover(listener, scope, d.message, d.error, 0);
      if (outcome !== 'done') return { done: d.position, next: outcome };
    }
    return { done: end, next };
  }

  /**
   * A batch listener does not answer requests: its return value belongs to the whole batch. Say
   * so once, where it happens, rather than leave the callers to time out with no clue why.
   */
  private warnOfRequests(listener: ListenerRuntime, messages: readonly KafkaMessage[]): void {
    const request = messages.find(message => replyAddressOf(message) !== undefined);
    if (!request) return;
    this.warnedOfRequests.add(listener);
    const { id, topic } = listener.plan;
    this.parts.logger.warn(
      `[midway-kafka] the batch listener ${id} got a request on "${topic}" (offset ` +
        `${request.offset}: it carries the kafka_correlationId and kafka_replyTopic headers). ` +
        'Batch listeners do not answer requests, so its callers will time out. Answer requests ' +
        'with a listener without the batch option (its return value is the reply). Said once per listener.',
    );
  }

  private attemptsSoFar(listener: ListenerRuntime, scope: DeliveryScope, offset: string): number {
    return this.parts.failing.get(scope.id, offset)?.attempts.get(listener.plan.id) ?? 0;
  }
}

async function decodeOne(
  listener: ListenerRuntime,
  scope: DeliveryScope,
  message: KafkaMessage,
  position: number,
): Promise<Decoded> {
  try {
    return {
      message,
      position,
      payload: await decode(listener.deserializer, message, scope.topic, scope.partition),
    };
  } catch (error) {
    return { message, position, error };
  }
}

function where(scope: DeliveryScope, decoded: readonly Decoded[]): string {
  return `${scope.topic}[${scope.partition}]@${decoded[0].message.offset}`;
}
