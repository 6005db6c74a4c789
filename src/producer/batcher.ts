import type { CompressionTypes, Message, Producer, RecordMetadata } from 'kafkajs';
import {
  KafkaSendError,
  type KafkaSendErrorCode,
  outcomeUnknownError,
  recordRejectedError,
  recordRejectionOf,
  toSendError,
} from './errors';
import { resendDropped } from './dropped-partitions';
import { resendIsolated } from './isolation';
import { splitMetadata } from './metadata';
import { estimateRecordBytes, type PreparedMessages } from './messages';
import type { ProducerBatchingOptions } from './options';
import type { PartitionTracker, TrackedRequest } from './partition-tracker';
import type { ProducerSession, RunOptions } from './producer-session';
import { refuseCall, requestByteCap } from './record-checks';
import type { TopicLimitsCache } from './topic-limits';
import { NO_PRODUCER_OBSERVER, type ProducerObserver } from '../observability/observer';

/** Per-call produce options; only calls with equal options share a produce request. */
export interface SendOptions {
  acks: number;
  timeout?: number;
  compression?: CompressionTypes;
}

/** What the batcher needs of the producer session. */
export type ProducerRunner = Pick<ProducerSession, 'run' | 'discard'>;

/** The batcher sorts out a refusal of records itself (see `resendIsolated`). */
const KEEP_ON_REFUSAL: RunOptions = {
  keepProducerOn: error => recordRejectionOf(error) !== undefined,
};

/** One queued call. Its promise's resolvers are filled in by `captureResolvers`. */
class PendingCall {
  resolve!: (metadata: RecordMetadata[]) => void;
  reject!: (error: unknown) => void;
  /** Messages already written by earlier requests: a call too large for one goes in parts. */
  sent = 0;
  /** The offsets of those earlier parts. */
  metadata: RecordMetadata[] | undefined;

  constructor(
    readonly prepared: PreparedMessages,
    readonly options: SendOptions,
    readonly optionsKey: string,
    /** When it was made, for the metrics (0: not timed). */
    readonly startedAt: number,
  ) {}
}

/** The calls of one produce request. */
interface Batch {
  calls: PendingCall[];
  messages: Message[];
  /** For a part of a call too large for one request: where in its messages the part ends. */
  partEnd: number | undefined;
}

// One executor for every call's promise, instead of a new closure per call: thousands of calls
// wait at once, and what they allocate shows up as garbage-collection time in the produce path.
let capturing: PendingCall | undefined;
function captureResolvers(
  resolve: (metadata: RecordMetadata[]) => void,
  reject: (error: unknown) => void,
): void {
  const call = capturing as PendingCall;
  call.resolve = resolve;
  call.reject = reject;
}

/** The queue of one topic. At most one request per topic is in flight, which keeps order. */
interface Lane {
  readonly topic: string;
  queue: PendingCall[];
  queuedMessages: number;
  inFlight: boolean;
  timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

/**
 * Coalesces concurrent sends into batched produce requests, one topic at a time.
 *
 * A call joins its topic's queue. When the topic has nothing in flight the queue is flushed after
 * `lingerMs` (0: at the end of the current turn of the event loop, so calls made together go
 * together). While a request is in flight new calls wait, and all of them (up to the bounds) go in
 * the next request as soon as it returns: the batch size follows the load by itself.
 *
 * A flush takes calls from the head of the queue, in order, while they have the same options and
 * fit in `maxBatchMessages` / `maxBatchBytes` (and the topic's `max.message.bytes`). A call
 * larger than that goes alone, in parts that each fit, one after the other: kafkajs encodes a
 * request in one go, so bounded requests keep the event loop free for the consumers' heartbeats.
 * For the same reason flushes of many topics hand kafkajs about one batch per turn of the loop.
 *
 * Every call settles on its own: with its own offsets (see `splitMetadata`) or with its own
 * error. A call Kafka would certainly refuse (see `refuseCall`) fails before it shares a request;
 * when Kafka refuses records of a shared request anyway, `resendIsolated` writes the other
 * calls' messages exactly once and fails only the calls whose records were refused.
 */
export class ProducerBatcher {
  private readonly lanes = new Map<string, Lane>();
  private drainWaiters: (() => void)[] = [];
  private lastOptions: SendOptions | undefined;
  private lastKey = '';
  /** Messages handed to kafkajs in this turn of the event loop. */
  private turnMessages = 0;

  constructor(
    private readonly session: ProducerRunner,
    private readonly tracker: PartitionTracker,
    private readonly limits: TopicLimitsCache,
    private readonly options: ProducerBatchingOptions,
    /** Whether the producer is idempotent (see `resendIsolated`). */
    private readonly idempotent: boolean,
    /** Told each request's size and each call's outcome (metrics). */
    private readonly observer: Pick<ProducerObserver, 'request' | 'settled'> = NO_PRODUCER_OBSERVER,
  ) {}

  /** Queues the (already checked) messages of one call for `topic`. */
  enqueue(
    topic: string,
    prepared: PreparedMessages,
    options: SendOptions,
    startedAt = 0,
  ): Promise<RecordMetadata[]> {
    let lane = this.lanes.get(topic);
    if (!lane) {
      lane = { topic, queue: [], queuedMessages: 0, inFlight: false, timer: undefined };
      this.lanes.set(topic, lane);
    }
    const call = new PendingCall(prepared, options, this.keyOf(options), startedAt);
    capturing = call;
    const promise = new Promise<RecordMetadata[]>(captureResolvers);
    capturing = undefined;
    lane.queue.push(call);
    lane.queuedMessages += prepared.messages.length;
    this.schedule(lane);
    return promise;
  }

  /** Calls share a request only with equal options; most calls pass the same options object. */
  private keyOf(options: SendOptions): string {
    if (options !== this.lastOptions) {
      this.lastOptions = options;
      this.lastKey = `${options.acks}|${options.timeout ?? ''}|${options.compression ?? ''}`;
    }
    return this.lastKey;
  }

  /** Resolves once every queued and in-flight call has settled. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise(resolve => this.drainWaiters.push(resolve));
  }

  /** Rejects every call that is still queued (in-flight requests finish on their own). */
  rejectQueued(makeError: (topic: string) => Error): void {
    for (const lane of this.lanes.values()) {
      this.cancelTimer(lane);
      const calls = lane.queue;
      lane.queue = [];
      lane.queuedMessages = 0;
      for (const call of calls) this.fail(lane.topic, call, makeError(lane.topic));
      if (!lane.inFlight) this.lanes.delete(lane.topic);
    }
    this.wakeDrainWaitersIfIdle();
  }

  private schedule(lane: Lane): void {
    if (lane.inFlight) return;
    const full = lane.queuedMessages >= this.options.maxBatchMessages;
    if (lane.timer !== undefined) {
      if (!full || this.options.lingerMs === 0) return;
      this.cancelTimer(lane);
    }
    lane.timer =
      this.options.lingerMs > 0 && !full
        ? setTimeout(() => this.flush(lane), this.options.lingerMs)
        : setImmediate(() => this.flush(lane));
  }

  private cancelTimer(lane: Lane): void {
    if (lane.timer === undefined) return;
    clearTimeout(lane.timer as NodeJS.Timeout);
    clearImmediate(lane.timer as NodeJS.Immediate);
    lane.timer = undefined;
  }

  private flush(lane: Lane): void {
    lane.timer = undefined;
    if (lane.inFlight) return;
    if (lane.queue.length > 0 && this.turnMessages >= this.options.maxBatchMessages) {
      // Another topic's batch already went this turn: let I/O and timers run first.
      lane.timer = setImmediate(() => this.flush(lane));
      return;
    }
    const batch = lane.queue.length > 0 ? this.takeBatch(lane) : undefined;
    if (!batch) {
      if (this.lanes.get(lane.topic) === lane) this.lanes.delete(lane.topic);
      this.wakeDrainWaitersIfIdle();
      return;
    }
    this.countTurn(batch.messages.length);
    lane.inFlight = true;
    this.sendBatch(lane, batch).finally(() => {
      lane.inFlight = false;
      if (lane.queue.length > 0) {
        // Wait one turn so the callers just resolved can queue their next sends into this batch.
        lane.timer = setImmediate(() => this.flush(lane));
      } else {
        if (this.lanes.get(lane.topic) === lane) this.lanes.delete(lane.topic);
        this.wakeDrainWaitersIfIdle();
      }
    });
  }

  private countTurn(messages: number): void {
    if (this.turnMessages === 0) setImmediate(() => (this.turnMessages = 0));
    this.turnMessages += messages;
  }

  /**
   * The longest head of the queue with the same options that fits the bounds (at least one
   * call), or a part of the head call if that alone is too large. Calls Kafka would refuse are
   * rejected on the way. Undefined if the queue held only those.
   */
  private takeBatch(lane: Lane): Batch | undefined {
    const { queue, topic } = lane;
    const limits = this.limits.get(topic);
    const maxBytes = requestByteCap(this.options.maxBatchBytes, limits);
    const maxMessages = this.options.maxBatchMessages;
    const calls: PendingCall[] = [];
    let messages = 0;
    let bytes = 0;
    let taken = 0;
    for (; taken < queue.length; taken++) {
      const call = queue[taken];
      const { prepared } = call;
      // A call in parts was checked before its first part.
      if (limits !== undefined && call.sent === 0) {
        const refusal = refuseCall(topic, prepared, limits, call.options.compression);
        if (refusal) {
          lane.queuedMessages -= prepared.messages.length;
          this.fail(topic, call, refusal);
          continue;
        }
      }
      const size = prepared.messages.length;
      if (calls.length === 0) {
        if (call.sent > 0 || size > maxMessages || prepared.bytes > maxBytes) {
          queue.splice(0, taken);
          return this.takePart(lane, call, maxBytes);
        }
      } else if (
        call.optionsKey !== calls[0].optionsKey ||
        messages + size > maxMessages ||
        bytes + prepared.bytes > maxBytes
      ) {
        break;
      }
      calls.push(call);
      messages += size;
      bytes += prepared.bytes;
    }
    lane.queuedMessages -= messages;
    if (taken === queue.length) lane.queue = [];
    else queue.splice(0, taken);
    if (calls.length === 0) return undefined;
    const batchMessages = calls.length === 1 ? calls[0].prepared.messages : concatMessages(calls);
    return { calls, messages: batchMessages, partEnd: undefined };
  }

  /** The next part of the call at the head of the queue that fits one request. */
  private takePart(lane: Lane, call: PendingCall, maxBytes: number): Batch {
    const all = call.prepared.messages;
    const last = Math.min(all.length, call.sent + this.options.maxBatchMessages);
    let end = call.sent;
    let bytes = 0;
    while (end < last) {
      const size = estimateRecordBytes(all[end]);
      if (end > call.sent && bytes + size > maxBytes) break;
      bytes += size;
      end++;
    }
    lane.queuedMessages -= end - call.sent;
    if (call.sent === 0 && end === all.length) {
      // It fits after all (a single large message): an ordinary request of one call.
      lane.queue.shift();
      return { calls: [call], messages: all, partEnd: undefined };
    }
    // The call stays at the head of the queue until its last part is written.
    return { calls: [call], messages: all.slice(call.sent, end), partEnd: end };
  }

  private async sendBatch(lane: Lane, batch: Batch): Promise<void> {
    const { topic } = lane;
    const { acks, timeout, compression } = batch.calls[0].options;
    const { messages } = batch;
    const request = this.tracker.track(messages);
    this.observer.request(topic, messages.length);
    let producer: Producer | undefined;
    let result: RecordMetadata[] | undefined;
    let failure: unknown;
    try {
      result = await this.session.run(used => {
        producer = used;
        return used.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] });
      }, KEEP_ON_REFUSAL);
    } catch (error) {
      failure = error;
    } finally {
      this.tracker.release(request);
    }
    if (result === undefined) {
      if (producer !== undefined && recordRejectionOf(failure) !== undefined) {
        await this.isolate(lane, batch, request, producer, failure);
      } else {
        this.settle(
          lane,
          batch,
          batch.calls.map(() => toSendError(topic, failure)),
        );
      }
      return;
    }
    this.limits.refreshIfDue(topic);
    if (acks === 0) {
      // Without acknowledgements Kafka returns no offsets, as with a plain kafkajs send.
      this.settle(
        lane,
        batch,
        batch.calls.map(() => []),
      );
      return;
    }
    const sizes = callSizes(batch);
    const partitionAt = (position: number) => request.partitionAt(position);
    let results = splitMetadata(topic, sizes, result, partitionAt);
    // Only a response missing a partition (kafkajs after a leader change) costs anything more.
    if (producer !== undefined && results.some(r => r instanceof Error)) {
      const deps = { session: this.session, tracker: this.tracker, runOptions: KEEP_ON_REFUSAL };
      const completed = await resendDropped(deps, topic, request, result, producer, (used, m) =>
        used.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages: m }] }),
      );
      results = splitMetadata(topic, sizes, completed, partitionAt);
    }
    this.settle(
      lane,
      batch,
      results.map(r => (r instanceof Error ? toSendError(topic, r) : r)),
    );
  }

  /** Kafka refused records of the request: write the rest once, fail only the refused calls. */
  private async isolate(
    lane: Lane,
    batch: Batch,
    request: TrackedRequest,
    producer: Producer,
    error: unknown,
  ): Promise<void> {
    const { topic } = lane;
    const { acks, timeout, compression } = batch.calls[0].options;
    // The topic's rules may have changed since they were read.
    this.limits.invalidate(topic);
    const outcomes = await resendIsolated({
      callSizes: callSizes(batch),
      request,
      error,
      idempotent: this.idempotent,
      resend: async (messages, partition) => {
        const tracked = this.tracker.track(messages, partition);
        try {
          const result = await this.session.run(
            used =>
              used.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] }),
            { ...KEEP_ON_REFUSAL, onlyOn: producer },
          );
          const entry = result.find(m => m.topicName === topic && m.partition === partition);
          if (entry?.baseOffset === undefined) {
            throw new Error(`Kafka returned no offset for partition ${partition}`);
          }
          return entry;
        } finally {
          this.tracker.release(tracked);
        }
      },
    });
    const limits = this.limits.get(topic);
    const results = outcomes.map((outcome, i) => {
      if (outcome.kind === 'written') return outcome.metadata;
      if (outcome.kind === 'unknown') {
        // Alone in the request, the call's own records were refused; others may be written.
        return batch.calls.length === 1
          ? recordRejectedError(topic, error, limits, undefined)
          : outcomeUnknownError(topic, error, limits, outcome.reason);
      }
      const before = batch.partEnd === undefined ? 0 : batch.calls[i].sent;
      const written = Array.from({ length: before }, (_, k) => k);
      for (const index of outcome.written) written.push(before + index);
      return recordRejectedError(topic, outcome.error, limits, written);
    });
    // Sequence numbers no longer match what the broker wrote where the outcome is unknown.
    if (outcomes.some(outcome => outcome.kind === 'unknown')) this.session.discard(producer);
    this.settle(lane, batch, results);
  }

  /** Settles each call of a batch with its result; a call in parts waits for its last part. */
  private settle(lane: Lane, batch: Batch, results: (RecordMetadata[] | KafkaSendError)[]): void {
    const { calls, partEnd } = batch;
    if (partEnd === undefined) {
      for (let i = 0; i < calls.length; i++) {
        const result = results[i];
        if (result instanceof KafkaSendError) this.fail(lane.topic, calls[i], result);
        else this.succeed(lane.topic, calls[i], result);
      }
      return;
    }
    const [call] = calls;
    const [result] = results;
    const done = result instanceof KafkaSendError || partEnd === call.prepared.messages.length;
    if (done && lane.queue[0] === call) {
      lane.queue.shift();
      lane.queuedMessages -= call.prepared.messages.length - partEnd;
    }
    if (result instanceof KafkaSendError) {
      this.fail(lane.topic, call, call.sent > 0 ? afterParts(result, call.sent) : result);
      return;
    }
    call.metadata = mergeMetadata(call.metadata, result);
    call.sent = partEnd;
    if (done) this.succeed(lane.topic, call, call.metadata);
  }

  private succeed(topic: string, call: PendingCall, metadata: RecordMetadata[]): void {
    this.observer.settled(topic, call.prepared.messages.length, call.startedAt);
    call.resolve(metadata);
  }

  private fail(topic: string, call: PendingCall, error: Error): void {
    this.observer.settled(topic, call.prepared.messages.length, call.startedAt, error);
    call.reject(error);
  }

  private isIdle(): boolean {
    return this.lanes.size === 0;
  }

  private wakeDrainWaitersIfIdle(): void {
    if (!this.isIdle() || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }
}

function callSizes(batch: Batch): number[] {
  return batch.partEnd === undefined
    ? batch.calls.map(call => call.prepared.messages.length)
    : [batch.messages.length];
}

/** The offsets of a call in parts: the first entry of each partition, in order of first use. */
function mergeMetadata(
  earlier: RecordMetadata[] | undefined,
  part: RecordMetadata[],
): RecordMetadata[] {
  if (!earlier) return part;
  for (const entry of part) {
    if (!earlier.some(known => known.partition === entry.partition)) earlier.push(entry);
  }
  return earlier;
}

/** Says in a part's error that the call's earlier parts were written. */
function afterParts(error: KafkaSendError, sent: number): KafkaSendError {
  if (error.written !== undefined) return error; // it lists them already
  return new KafkaSendError(
    error.code as KafkaSendErrorCode,
    error.topic,
    `${error.message} Its first ${sent} messages had been written by then: the call was too ` +
      'large for one request and went in parts.',
    error.cause,
  );
}

/** The messages of several calls as one array, in call order. */
function concatMessages(calls: readonly PendingCall[]): Message[] {
  // Filled by push, not preallocated: kafkajs walks this array several times, and a packed
  // array is faster to walk than a holey one.
  const messages: Message[] = [];
  for (const call of calls) {
    for (const message of call.prepared.messages) messages.push(message);
  }
  return messages;
}
