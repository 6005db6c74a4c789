import type { CompressionTypes, Message, Producer, RecordMetadata } from 'kafkajs';
import { toSendError } from './errors';
import { splitMetadata } from './metadata';
import type { PreparedMessages } from './messages';
import type { ProducerBatchingOptions } from './options';
import type { PartitionTracker, TrackedRequest } from './partition-tracker';

/** Per-call produce options; only calls with equal options share a produce request. */
export interface SendOptions {
  acks: number;
  timeout?: number;
  compression?: CompressionTypes;
}

/** Runs one produce request (the service passes its producer session). */
export type RunSend = <T>(send: (producer: Producer) => Promise<T>) => Promise<T>;

/** One queued call. Its promise's resolvers are filled in by `captureResolvers`. */
class PendingCall {
  resolve!: (metadata: RecordMetadata[]) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly messages: Message[],
    readonly bytes: number,
    readonly options: SendOptions,
    readonly optionsKey: string,
  ) {}
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
 * fit in `maxBatchMessages` / `maxBatchBytes` (a single call larger than that goes alone). Every
 * call settles on its own: with its own offsets (see `splitMetadata`) or with its own error.
 */
export class ProducerBatcher {
  private readonly lanes = new Map<string, Lane>();
  private drainWaiters: (() => void)[] = [];
  private lastOptions: SendOptions | undefined;
  private lastKey = '';

  constructor(
    private readonly run: RunSend,
    private readonly tracker: PartitionTracker,
    private readonly options: ProducerBatchingOptions,
  ) {}

  /** Queues the (already checked) messages of one call for `topic`. */
  enqueue(
    topic: string,
    prepared: PreparedMessages,
    options: SendOptions,
  ): Promise<RecordMetadata[]> {
    let lane = this.lanes.get(topic);
    if (!lane) {
      lane = { topic, queue: [], queuedMessages: 0, inFlight: false, timer: undefined };
      this.lanes.set(topic, lane);
    }
    const call = new PendingCall(prepared.messages, prepared.bytes, options, this.keyOf(options));
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
      for (const call of calls) call.reject(makeError(lane.topic));
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
    if (lane.queue.length === 0) {
      this.lanes.delete(lane.topic);
      this.wakeDrainWaitersIfIdle();
      return;
    }
    const calls = this.takeBatch(lane);
    lane.inFlight = true;
    this.sendCalls(lane.topic, calls).finally(() => {
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

  /** The longest head of the queue with the same options that fits the bounds (at least one call). */
  private takeBatch(lane: Lane): PendingCall[] {
    const { queue } = lane;
    const first = queue[0];
    let count = 1;
    let messages = first.messages.length;
    let bytes = first.bytes;
    while (count < queue.length) {
      const next = queue[count];
      if (next.optionsKey !== first.optionsKey) break;
      if (messages + next.messages.length > this.options.maxBatchMessages) break;
      if (bytes + next.bytes > this.options.maxBatchBytes) break;
      messages += next.messages.length;
      bytes += next.bytes;
      count++;
    }
    lane.queuedMessages -= messages;
    return count === queue.length ? queue.splice(0) : queue.splice(0, count);
  }

  private async sendCalls(topic: string, calls: PendingCall[]): Promise<void> {
    const { acks, timeout, compression } = calls[0].options;
    const messages = calls.length === 1 ? calls[0].messages : concatMessages(calls);
    let sent: { result: RecordMetadata[]; request: TrackedRequest };
    try {
      sent = await this.tracker.during(messages, () =>
        this.run(producer =>
          producer.sendBatch({ acks, timeout, compression, topicMessages: [{ topic, messages }] }),
        ),
      );
    } catch (error) {
      for (const call of calls) call.reject(toSendError(topic, error));
      return;
    }
    if (acks === 0) {
      // Without acknowledgements Kafka returns no offsets, as with a plain kafkajs send.
      for (const call of calls) call.resolve([]);
      return;
    }
    const { request } = sent;
    const results = splitMetadata(
      topic,
      calls.map(call => call.messages.length),
      sent.result,
      position => request.partitionAt(position),
    );
    for (let i = 0; i < calls.length; i++) {
      const result = results[i];
      if (result instanceof Error) calls[i].reject(toSendError(topic, result));
      else calls[i].resolve(result);
    }
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

/** The messages of several calls as one array, in call order. */
function concatMessages(calls: readonly PendingCall[]): Message[] {
  // Filled by push, not preallocated: kafkajs walks this array several times, and a packed
  // array is faster to walk than a holey one.
  const messages: Message[] = [];
  for (const call of calls) {
    for (const message of call.messages) messages.push(message);
  }
  return messages;
}
