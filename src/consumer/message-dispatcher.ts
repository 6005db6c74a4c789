import type { KafkaMessage } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { IMidwayKafkaApplication, IMidwayKafkaContext, MessageFailure } from '../interface';
import { createKafkaContext, type PartitionScope } from '../context/kafka-context';
import { isNonRetriableError, isRetriableError } from '../errors';
import type { PlannedListener } from '../listener/plan-groups';
import { decode, type Deserializer } from './deserialize';
import type { DeadLetterPublisher } from './dead-letter';
import { retryDelay } from './retry/retry-policy';

/** A partition as the dispatcher sees it: the context's scope plus whether work should stop. */
export interface DeliveryScope extends PartitionScope {
  /** True once the partition was revoked or the consumer is stopping: no more retries. */
  isAborted(): boolean;
}

/** A planned listener made callable: Midway guards, middleware and filters around the method. */
export interface ListenerRuntime {
  readonly plan: PlannedListener;
  readonly deserializer: Deserializer;
  invoke(ctx: IMidwayKafkaContext): Promise<unknown>;
}

/**
 * - `done`: every listener handled the message (or its failure policy took it): resolve and commit.
 * - `aborted`: the partition was revoked or the consumer is stopping: leave it uncommitted.
 * - `stopped`: the `'stop'` policy paused the partition: leave it uncommitted.
 */
export type DeliveryOutcome = 'done' | 'aborted' | 'stopped';

export interface DispatcherDeps {
  readonly app: IMidwayKafkaApplication;
  readonly deadLetter: DeadLetterPublisher;
  readonly logger: ILogger;
  /** Told when the `'stop'` policy paused a partition. */
  onPartitionStopped(failure: MessageFailure): void;
}

/** Longest single sleep during a backoff, so heartbeats and aborts are noticed in time. */
const BACKOFF_SLICE_MS = 500;

/** Hands one message to every listener of its topic, retrying failures in place to keep order. */
export class MessageDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async deliver(
    listeners: readonly ListenerRuntime[],
    scope: DeliveryScope,
    message: KafkaMessage,
  ): Promise<DeliveryOutcome> {
    if (listeners.length === 1) return this.deliverTo(listeners[0], scope, message);
    for (const listener of listeners) {
      const outcome = await this.deliverTo(listener, scope, message);
      if (outcome !== 'done') return outcome;
    }
    return 'done';
  }

  private async deliverTo(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
  ): Promise<DeliveryOutcome> {
    let payload: unknown;
    try {
      payload = decode(listener.deserializer, message, scope.topic, scope.partition);
      if (payload instanceof Promise) payload = await payload;
    } catch (error) {
      this.logFailure(listener, scope, message, error, 0, 'not deserializable');
      return this.exhausted(listener, scope, message, error, 0);
    }
    const { retry } = listener.plan;
    for (let attempt = 1; ; attempt++) {
      const ctx = createKafkaContext(this.deps.app, scope, message, payload, attempt);
      try {
        await listener.invoke(ctx);
        return 'done';
      } catch (error) {
        const giveUp =
          !isRetriableError(error) && (isNonRetriableError(error) || attempt >= retry.attempts);
        if (giveUp) {
          this.logFailure(listener, scope, message, error, attempt, 'giving up');
          return this.exhausted(listener, scope, message, error, attempt);
        }
        const delay = retryDelay(retry, attempt);
        this.logFailure(listener, scope, message, error, attempt, `retrying in ${delay} ms`);
        if (!(await this.wait(delay, scope))) return 'aborted';
      }
    }
  }

  /** Runs the listener's failure policy once its retries are used up. */
  private async exhausted(
    listener: ListenerRuntime,
    scope: DeliveryScope,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<DeliveryOutcome> {
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
      scope.pause();
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
        await recover();
        this.deps.logger.warn(
          `[midway-kafka] ${listener.plan.id}: ${where(scope, message)} handed to the ${what}`,
        );
        return 'done';
      } catch (recoveryError) {
        const delay = retryDelay({ ...listener.plan.retry, attempts: Infinity }, attempt);
        this.deps.logger.error(
          `[midway-kafka] ${listener.plan.id}: the ${what} failed for ${where(scope, message)}, trying again in ${delay} ms:`,
          recoveryError,
        );
        if (!(await this.wait(delay, scope))) return 'aborted';
      }
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
    const attempts = listener.plan.retry.attempts;
    const of = attempts === Infinity ? '' : `/${attempts}`;
    this.deps.logger.error(
      `[midway-kafka] ${listener.plan.id} failed on ${where(scope, message)} (attempt ${attempt}${of}), ${next}:`,
      error,
    );
  }
}

function where(scope: DeliveryScope, message: KafkaMessage): string {
  return `${scope.topic}[${scope.partition}]@${message.offset}`;
}
