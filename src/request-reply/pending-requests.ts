import { randomBytes } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { decode, type Deserializer } from '../consumer/deserialize';
import { KafkaReplyError, KafkaRequestAbortedError, KafkaRequestTimeoutError } from './errors';
import { readReply } from './wire';

/** Counters of one application instance's requests; see `KafkaService.requestStats()`. */
export interface RequestReplyStats {
  /** Requests waiting for their reply now. */
  pending: number;
  /** Requests sent. */
  sent: number;
  /** Calls that resolved with a reply. */
  replied: number;
  /** Calls that rejected with the replier's error. */
  errorReplies: number;
  timedOut: number;
  aborted: number;
  /** Replies to this instance's requests that came after the call had settled: dropped. */
  lateReplies: number;
  /** Replies to other instances' requests (they share the reply topic): dropped. */
  foreignReplies: number;
}

/** One call waiting for its reply. */
export interface CallSpec {
  readonly topic: string;
  readonly timeoutMs: number;
  readonly deserializer: Deserializer;
  readonly signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface OpenCall extends CallSpec {
  readonly timer: NodeJS.Timeout;
  readonly onAbort: (() => void) | undefined;
}

/**
 * The calls of this instance that wait for a reply, by correlation id. Ids are
 * `<instance id>-<sequence>`: a reply whose id has this instance's prefix but no open call is
 * late (its call already timed out or was aborted); any other is another instance's. Either
 * way it is dropped and counted, never handed to a call it does not belong to.
 */
export class PendingRequests {
  /** Random per process: no two instances (or restarts) share one. */
  readonly instanceId = randomBytes(8).toString('hex');
  private readonly prefix = `${this.instanceId}-`;
  private sequence = 0;
  private readonly calls = new Map<string, OpenCall>();
  private readonly counters: Omit<RequestReplyStats, 'pending'> = {
    sent: 0,
    replied: 0,
    errorReplies: 0,
    timedOut: 0,
    aborted: 0,
    lateReplies: 0,
    foreignReplies: 0,
  };
  private idle: (() => void)[] = [];

  get size(): number {
    return this.calls.size;
  }

  stats(): RequestReplyStats {
    return { pending: this.calls.size, ...this.counters };
  }

  nextCorrelationId(): string {
    return this.prefix + (++this.sequence).toString(36);
  }

  /** Waits for the reply to `correlationId` (or the timeout, or the signal). */
  open(correlationId: string, spec: CallSpec): void {
    const timer = setTimeout(
      () =>
        this.settle(correlationId, 'timedOut', call =>
          call.reject(new KafkaRequestTimeoutError(call.topic, correlationId, call.timeoutMs)),
        ),
      spec.timeoutMs,
    );
    let onAbort: (() => void) | undefined;
    if (spec.signal) {
      onAbort = () =>
        this.settle(correlationId, 'aborted', call =>
          call.reject(new KafkaRequestAbortedError(call.topic, correlationId, call.signal?.reason)),
        );
      spec.signal.addEventListener('abort', onAbort, { once: true });
    }
    this.calls.set(correlationId, { ...spec, timer, onAbort });
    this.counters.sent++;
  }

  /** Settles a call that could not be sent; false if it had already settled. */
  fail(correlationId: string, error: unknown): boolean {
    return this.settle(correlationId, undefined, call => call.reject(error));
  }

  /** Routes a message of the reply topic to the call it answers, if it is still waiting. */
  deliver(message: KafkaMessage, topic: string, partition: number): void {
    const reply = readReply(message);
    if (!reply || !reply.correlationId.startsWith(this.prefix)) {
      this.counters.foreignReplies++;
      return;
    }
    const { correlationId, error } = reply;
    const call = this.calls.get(correlationId);
    if (!call) {
      this.counters.lateReplies++;
      return;
    }
    if (error) {
      this.settle(correlationId, 'errorReplies', c =>
        c.reject(new KafkaReplyError(c.topic, correlationId, error)),
      );
      return;
    }
    let value: unknown;
    try {
      value = decode(call.deserializer, message, topic, partition);
    } catch (decodeError) {
      this.settle(correlationId, 'replied', c => c.reject(decodeError));
      return;
    }
    this.settle(correlationId, 'replied', c =>
      value instanceof Promise ? value.then(c.resolve, c.reject) : c.resolve(value),
    );
  }

  /** Rejects every waiting call with the error `reason` makes for it. */
  rejectAll(reason: (topic: string, correlationId: string) => unknown): void {
    for (const id of [...this.calls.keys()]) {
      this.settle(id, undefined, call => call.reject(reason(call.topic, id)));
    }
  }

  /** Resolves once no call is waiting. */
  drained(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise(resolve => this.idle.push(resolve));
  }

  private settle(
    correlationId: string,
    counter: keyof typeof this.counters | undefined,
    finish: (call: OpenCall) => void,
  ): boolean {
    const call = this.calls.get(correlationId);
    if (!call) return false;
    this.calls.delete(correlationId);
    clearTimeout(call.timer);
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort);
    if (counter) this.counters[counter]++;
    finish(call);
    if (this.calls.size === 0 && this.idle.length > 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
    return true;
  }
}
