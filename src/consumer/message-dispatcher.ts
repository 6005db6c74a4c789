import type { KafkaMessage } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { MessageFailure } from '../interface';
import {
  createKafkaContext,
  type ContextHost,
  type KafkaContext,
  type PartitionScope,
} from '../context/kafka-context';
import { isNonRetriableError, isRetriableError } from '../errors';
import { isRebalanceError } from './membership';
import type { PlannedListener } from '../listener/plan-groups';
import type { ReplyPublisher, RequestOrigin } from '../request-reply/reply-publisher';
import { replyAddressOf, type ReplyAddress } from '../request-reply/wire';
import { decode, type Deserializer } from './deserialize';
import type { DeadLetterPublisher } from './dead-letter';
import { retryDelay, type RetryPolicy } from './retry/retry-policy';
import { FailingMessages } from './retry/failing-messages';
import { BatchDispatcher } from './delivery/batch-dispatcher';
import { NO_LISTENER_OBSERVER, type ListenerObserver } from '../observability/observer';
import { traceIdForLog } from '../tracing/trace-id';
import { SKIP_MESSAGE } from './skip-message';

/** A partition as the dispatcher sees it: the context's scope plus whether work should stop. */
export interface DeliveryScope extends PartitionScope {
  /** Identifies group, topic and partition (computed once per batch). */
  readonly id: string;
  /** True once the partition is being given up (rebalance, stop, seek): no more attempts. */
  isAborted(): boolean;
  /** Pauses the partition for the `'stop'` failure policy (only `resumePartition()` lifts it). */
  stop(): void;
  /** Retry backoffs shorter than this (the consumer's fetch wait) are waited out in place. */
  readonly inPlaceRetryBelowMs: number;
}

/** A planned listener made callable: Midway guards, middleware and filters around the method. */
export interface ListenerRuntime {
  readonly plan: PlannedListener;
  readonly deserializer: Deserializer;
  /** Runs the listener; a promise when it (or anything around it) is asynchronous. */
  invoke(ctx: KafkaContext): unknown;
  /** Told what becomes of each delivery (metrics); observes nothing unless they are on. */
  readonly observer: ListenerObserver;
}

/**
 * - `done`: every listener handled the message (or its failure policy took it): resolve and commit.
 * - `aborted`: the partition was revoked or the consumer is stopping: leave it uncommitted.
 * - `stopped`: the `'stop'` policy paused the partition: leave it uncommitted.
 * - `{ retryInMs }`: a listener failed and will get it again: pause the partition for that long,
 *   so its later messages wait while other partitions go on, then fetch it again.
 */
export type DeliveryOutcome = 'done' | 'aborted' | 'stopped' | { readonly retryInMs: number };

export interface DispatcherDeps {
  readonly contextHost: ContextHost;
  readonly deadLetter: DeadLetterPublisher;
  readonly logger: ILogger;
  /** Told when the `'stop'` policy paused a partition. */
  onPartitionStopped(failure: MessageFailure): void;
  /** Answers requests (messages with reply headers); without it every message is an event. */
  readonly replies?: ReplyPublisher;
}

/** Longest single sleep of an in-place wait, so heartbeats and aborts are noticed in time. */
const BACKOFF_SLICE_MS = 500;

/**
 * Hands one message to every listener of its topic. A failure is retried after a backoff: a short
 * one (under one fetch wait) in place, heartbeating; a longer one by pausing the partition and
 * fetching the message again, so the partition keeps its order while the group's other partitions
 * keep going, and nothing waits on a long backoff.
 */
export class MessageDispatcher {
  private readonly failing = new FailingMessages();
  /** The same retries and failure policies, for batch listeners. */
  readonly batches: BatchDispatcher;

  constructor(private readonly deps: DispatcherDeps) {
    this.batches = new BatchDispatcher({
      contextHost: deps.contextHost,
      logger: deps.logger,
      failing: this.failing,
      recover: (listener, scope, message, error, attempts) =>
        this.exhausted(listener, scope, message, error, attempts),
      wait: (ms, scope) => this.wait(ms, scope),
    });
  }

  /**
   * A promise only when something on the way was asynchronous: the common case (one listener, no
   * pending retry, an `async` handler) costs the handler's own promise and nothing more.
   */
  deliver(
    listeners: readonly ListenerRuntime[],
    scope: DeliveryScope,
    message: KafkaMessage,
  ): DeliveryOutcome | Promise<DeliveryOutcome> {
    const failing = this.failing.get(scope.id, message.offset);
    if (!failing && listeners.length === 1) return this.deliverFirst(listeners[0], scope, message);
    return this.deliverToEach(listeners, scope, message, failing);
  }

  private async deliverToEach(
    listeners: readonly ListenerRuntime[],
    scope: DeliveryScope,
    message: KafkaMessage,
    failing: ReturnType<FailingMessages['get']>,
  ): Promise<DeliveryOutcome> {
    const handled: string[] = [];
    for (const listener of listeners) {
      if (failing?.done.has(listener.plan.id)) continue;
      const outcome = await this.deliverTo(listener, scope, message, handled);
      if (outcome !== 'done') return outcome;
      handled.push(listener.plan.id);
    }
    if (failing) this.failing.settle(scope.id, message.offset);
    return 'done';
  }

  /** The first delivery of a message to its only listener, without a promise of its own. */
  private deliverFirst(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
  ): DeliveryOutcome | Promise<DeliveryOutcome> {
    let payload: unknown;
    try {
      payload = decode(listener.deserializer, message, scope.topic, scope.partition);
    } catch (error) {
      return this.undeserializable(listener, scope, message, error);
    }
    if (payload instanceof Promise) {
      return payload.then(
        decoded => this.attemptFrom(listener, scope, message, decoded, 1, []),
        error => this.undeserializable(listener, scope, message, error),
      );
    }
    if (payload === SKIP_MESSAGE) return this.skip(listener, scope, message);
    const ctx = createKafkaContext(this.deps.contextHost, scope, message, payload, 1);
    const { observer } = listener;
    const startedAt = observer.start();
    let result: unknown;
    try {
      result = listener.invoke(ctx);
    } catch (error) {
      observer.failed(startedAt);
      return this.afterFailure(listener, scope, message, payload, 1, error, []);
    }
    const request = this.requestOf(message);
    const failed = (error: unknown) => {
      observer.failed(startedAt);
      return this.afterFailure(listener, scope, message, payload, 1, error, []);
    };
    if (!(result instanceof Promise)) {
      observer.handled(message, startedAt, 1);
      return request ? this.answer(listener, scope, message, request, result) : 'done';
    }
    // Without metrics or a reply to send, no closure per message for the common outcome.
    if (observer === NO_LISTENER_OBSERVER && !request) return result.then(DONE, failed);
    return result.then(value => {
      observer.handled(message, startedAt, 1);
      return request ? this.answer(listener, scope, message, request, value) : 'done';
    }, failed);
  }

  /** Where to answer `message`, when it is a request and requests are answered. */
  private requestOf(message: KafkaMessage): ReplyAddress | undefined {
    return this.deps.replies ? replyAddressOf(message) : undefined;
  }

  /** Requests are retried only as far as their listener's `requestRetry` allows (once by default). */
  private retryPolicyOf(listener: ListenerRuntime, message: KafkaMessage): RetryPolicy {
    return this.requestOf(message) ? listener.plan.requestRetry : listener.plan.retry;
  }

  /** A request was handled: its reply goes out, and the partition moves on without waiting for it. */
  private answer(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    request: ReplyAddress,
    value: unknown,
  ): DeliveryOutcome {
    this.deps.replies?.reply(request, value, origin(listener, scope, message));
    return 'done';
  }

  /** After a rebalance: retry state of partitions the group lost is dropped. */
  retainAssigned(groupId: string, assignment: Readonly<Record<string, number[]>>): void {
    this.failing.retainAssigned(groupId, assignment);
  }

  /** `handled`: listeners of this topic that already handled the message in this delivery. */
  private async deliverTo(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    handled: readonly string[],
  ): Promise<DeliveryOutcome> {
    let payload: unknown;
    try {
      payload = decode(listener.deserializer, message, scope.topic, scope.partition);
      if (payload instanceof Promise) payload = await payload;
    } catch (error) {
      return this.undeserializable(listener, scope, message, error);
    }
    if (payload === SKIP_MESSAGE) return this.skip(listener, scope, message);
    const previous = this.failing.get(scope.id, message.offset)?.attempts.get(listener.plan.id);
    return this.attemptFrom(listener, scope, message, payload, (previous ?? 0) + 1, handled);
  }

  /** A message the listener does not take (see SKIP_MESSAGE): done, without calling it. */
  private skip(listener: ListenerRuntime, scope: DeliveryScope, message: KafkaMessage): 'done' {
    listener.observer.skipped();
    // Skipping can be most of a topic's traffic: no trace id looked up for this line.
    this.deps.logger.debug(
      `[midway-kafka] ${listener.plan.id} skipped ${scope.topic}[${scope.partition}]@${message.offset}`,
    );
    return 'done';
  }

  /** A message the listener's deserializer rejects is not retried: its failure policy takes it. */
  private async undeserializable(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    error: unknown,
  ): Promise<DeliveryOutcome> {
    this.logFailure(listener, scope, message, error, 0, 'not deserializable');
    listener.observer.failed(0);
    return this.settleAfter(
      scope,
      message,
      await this.exhausted(listener, scope, message, error, 0),
    );
  }

  /** Delivers `message` as attempt `first`, then again after each failure the retry policy allows. */
  private async attemptFrom(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    payload: unknown,
    first: number,
    handled: readonly string[],
  ): Promise<DeliveryOutcome> {
    const request = this.requestOf(message);
    const { observer } = listener;
    for (let attempt = first; ; attempt++) {
      const ctx = createKafkaContext(this.deps.contextHost, scope, message, payload, attempt);
      const startedAt = observer.start();
      try {
        const value = await listener.invoke(ctx);
        observer.handled(message, startedAt, 1);
        return request ? this.answer(listener, scope, message, request, value) : 'done';
      } catch (error) {
        observer.failed(startedAt);
        const next = await this.nextAfterFailure(listener, scope, message, attempt, error, handled);
        if (next !== 'again') return next;
      }
    }
  }

  /** After a failed attempt: the outcome, continuing with the next attempt when one is due now. */
  private async afterFailure(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    payload: unknown,
    attempt: number,
    error: unknown,
    handled: readonly string[],
  ): Promise<DeliveryOutcome> {
    const next = await this.nextAfterFailure(listener, scope, message, attempt, error, handled);
    if (next !== 'again') return next;
    return this.attemptFrom(listener, scope, message, payload, attempt + 1, handled);
  }

  /**
   * Decides what follows failed attempt `attempt`: `'again'` once an in-place backoff passed,
   * the failure policy's outcome once retries are used up, or a paused retry.
   */
  private async nextAfterFailure(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    attempt: number,
    error: unknown,
    handled: readonly string[],
  ): Promise<DeliveryOutcome | 'again'> {
    const { id } = listener.plan;
    const isRequest = this.requestOf(message) !== undefined;
    const retry = isRequest ? listener.plan.requestRetry : listener.plan.retry;
    if (scope.isAborted() || isRebalanceError(error)) {
      // The partition is being given up: the failure may be just that (ctx.heartbeat() threw
      // the coordinator's rebalance answer), and whoever owns the partition next delivers the
      // message again. Not an attempt, and no failure policy for a healthy message.
      this.deps.logger.warn(
        `[midway-kafka] ${listener.plan.id} did not finish ${where(scope, message)} while its partition ` +
          `was being given up (rebalance or stop); it stays uncommitted and comes again: ${String(error)}`,
      );
      return 'aborted';
    }
    // A caller waits for a request's answer: KafkaRetriableError does not make it wait longer.
    const retriable = !isRequest && isRetriableError(error);
    const giveUp = !retriable && (isNonRetriableError(error) || attempt >= retry.attempts);
    if (giveUp) {
      this.logFailure(listener, scope, message, error, attempt, 'giving up');
      return this.settleAfter(
        scope,
        message,
        await this.exhausted(listener, scope, message, error, attempt),
      );
    }
    const retryInMs = retryDelay(retry, attempt);
    listener.observer.retried();
    // A wait shorter than one fetch is cheaper in place (heartbeating) than a pause, which
    // costs a fetch cycle; a longer one pauses the partition so the others go on.
    if (retryInMs < scope.inPlaceRetryBelowMs) {
      this.logFailure(listener, scope, message, error, attempt, `retrying in ${retryInMs} ms`);
      if (await this.wait(retryInMs, scope)) return 'again';
      this.failing.recordFailure(scope, message.offset, id, attempt, handled);
      return 'aborted';
    }
    this.logFailure(
      listener,
      scope,
      message,
      error,
      attempt,
      `retrying in ${retryInMs} ms (partition paused meanwhile)`,
    );
    this.failing.recordFailure(scope, message.offset, id, attempt, handled);
    return { retryInMs };
  }

  /**
   * Once the failure policy ran, the next delivery of the message (after a `'stop'` is resumed,
   * say) starts afresh; a dead-lettered message that other listeners still need keeps its state.
   */
  private settleAfter(
    scope: DeliveryScope,
    message: KafkaMessage,
    outcome: DeliveryOutcome,
  ): DeliveryOutcome {
    if (outcome === 'stopped') this.failing.settle(scope.id, message.offset);
    return outcome;
  }

  /** Runs the listener's failure policy once its retries are used up. */
  private async exhausted(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<DeliveryOutcome> {
    // A failed request is answered with its error, which is its failure policy: only when the
    // error reply cannot be published does the listener's policy (dead-letter …) take it.
    const request = this.requestOf(message);
    const replies = this.deps.replies;
    if (request && replies) {
      if (await replies.replyError(request, error, origin(listener, scope, message))) return 'done';
    }
    const failure: MessageFailure = {
      listener: listener.plan.id,
      groupId: scope.groupId,
      topic: scope.topic,
      partition: scope.partition,
      message,
      error,
      attempts,
    };
    const policy = listener.plan.onFailure;
    if (policy === 'stop') {
      scope.stop();
      this.deps.logger.error(
        `[midway-kafka] ${listener.plan.id}: paused ${where(scope, message)} (policy 'stop'); ` +
          'the message stays uncommitted until the partition is resumed',
      );
      this.deps.onPartitionStopped(failure);
      return 'stopped';
    }
    const recover =
      policy === 'dead-letter'
        ? () => this.deps.deadLetter.publish(failure, listener.plan.deadLetterTopic)
        : () => policy(failure);
    const what =
      policy === 'dead-letter'
        ? `dead-letter topic '${listener.plan.deadLetterTopic}'`
        : 'onFailure handler';
    // The message is committed only after the recovery succeeded, so keep trying until it does.
    for (let attempt = 1; ; attempt++) {
      try {
        // A publish may take up to sendTimeout, longer than the session: keep the membership.
        await this.heartbeating(scope, recover);
        if (policy === 'dead-letter') listener.observer.deadLettered();
        this.deps.logger.warn(
          `[midway-kafka] ${listener.plan.id}: ${where(scope, message)} handed to the ${what}`,
        );
        return 'done';
      } catch (recoveryError) {
        const delay = retryDelay({ ...listener.plan.retry, attempts: Infinity }, attempt);
        this.deps.logger.error(
          `[midway-kafka] ${listener.plan.id}: the ${what} failed for ${where(scope, message)}; ` +
            `it stays uncommitted and its partition waits, trying again in ${delay} ms:`,
          recoveryError,
        );
        if (!(await this.wait(delay, scope))) return 'aborted';
      }
    }
  }

  /** Runs `work`, heartbeating every slice meanwhile (a failed heartbeat is for the batch loop to see). */
  private async heartbeating<T>(scope: DeliveryScope, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => scope.heartbeat().catch(() => undefined), BACKOFF_SLICE_MS);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Sleeps `ms` while heartbeating; false if the partition was revoked or the consumer is stopping. */
  private async wait(ms: number, scope: DeliveryScope): Promise<boolean> {
    const until = Date.now() + ms;
    for (;;) {
      if (scope.isAborted()) return false;
      const left = until - Date.now();
      if (left <= 0) return true;
      await new Promise(resolve => setTimeout(resolve, Math.min(left, BACKOFF_SLICE_MS)));
      try {
        await scope.heartbeat();
      } catch {
        // A failed heartbeat means the group is rebalancing: the partition may be gone.
        return false;
      }
    }
  }

  private logFailure(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    error: unknown,
    attempt: number,
    next: string,
  ): void {
    const attempts = this.retryPolicyOf(listener, message).attempts;
    const of = attempts === Infinity ? '' : `/${attempts}`;
    this.deps.logger.error(
      `[midway-kafka] ${listener.plan.id} failed on ${where(scope, message)} (attempt ${attempt}${of}), ${next}:`,
      error,
    );
  }
}

const DONE = (): DeliveryOutcome => 'done';

function origin(
  listener: ListenerRuntime,
  scope: DeliveryScope,
  message: KafkaMessage,
): RequestOrigin {
  return {
    listener: listener.plan.id,
    topic: scope.topic,
    partition: scope.partition,
    offset: message.offset,
  };
}

/** `topic[partition]@offset`, and the message's trace id when it has one. */
function where(scope: DeliveryScope, message: KafkaMessage): string {
  const traceId = traceIdForLog(message);
  const trace = traceId === undefined ? '' : ` (traceId ${traceId})`;
  return `${scope.topic}[${scope.partition}]@${message.offset}${trace}`;
}
