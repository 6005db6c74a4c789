import type { KafkaMessage, RecordMetadata } from 'kafkajs';
import type { ConsumerStatusEvent } from '../consumer/consumer-status';
import type { PlannedListener } from '../listener/plan-groups';

/**
 * What happens to one listener's messages. The dispatcher calls it on every delivery, so an
 * implementation keeps each call to a few additions; `start()` returning 0 means nobody times
 * handlers, and then the dispatcher reads no clock at all.
 */
export interface ListenerObserver {
  /** A clock reading (ms) before the listener runs, or 0 when handlers are not timed. */
  start(): number;
  /** The listener returned for `count` messages (`message` is the oldest). */
  handled(message: KafkaMessage, startedAt: number, count: number): void;
  /** The listener threw (or a guard refused); `startedAt` is 0 for a message it never got (undecodable). */
  failed(startedAt: number): void;
  /** A failed message will be delivered to the listener again. */
  retried(): void;
  /** The `'dead-letter'` policy published a message. */
  deadLettered(): void;
  /** A message the listener does not take (an envelope of another type) was skipped and committed. */
  skipped(): void;
}

/** What happens to the consumers: per listener, per fetched batch and per status change. */
export interface ConsumerObserver {
  /** Called once per listener at start. */
  listener(plan: PlannedListener): ListenerObserver;
  /** kafkajs handed over a batch of `topic[partition]`: the partition's end and the batch's start, as kafkajs gives them. */
  fetched(
    groupId: string,
    topic: string,
    partition: number,
    highWatermark: string,
    firstOffset: string,
  ): void;
  /** Everything up to `offset` of the partition is finished (at the end of a batch). */
  progressed(groupId: string, topic: string, partition: number, offset: string): void;
  statusChanged(event: ConsumerStatusEvent): void;
  close(): Promise<void>;
}

/** One traced `KafkaService` call, from before its messages are checked until it settles. */
export interface SendObservation {
  /** The messages to check and send: copies of the call's, with trace headers. */
  readonly messages: unknown;
  /** The call was queued (`sent` settles with it) or failed before that (an error). */
  end(outcome: Promise<RecordMetadata[]> | unknown): void;
}

/**
 * What happens to `KafkaService`'s calls and produce requests. A call is timed from `start()`
 * until `settled()`, which the batcher calls where each call settles: no promise of its own per
 * call, which thousands of concurrent calls would pay for.
 */
export interface ProducerObserver {
  /** Tracing of one call, or undefined when nothing traces it (the messages go as they are). */
  trace(topic: string, messages: unknown): SendObservation | undefined;
  /** A clock reading (ms) when a call is made, or 0 when calls are not timed. */
  start(): number;
  /** A call of `messages` messages to `topic` settled: written (no `error`) or failed. */
  settled(topic: string, messages: number, startedAt: number, error?: unknown): void;
  /** A produce request of `messages` messages for `topic` was handed to kafkajs. */
  request(topic: string, messages: number): void;
  close(): void;
}

const nothing = (): void => undefined;

/** Observes nothing and reads no clock: an app without metrics pays a property read per message. */
export const NO_LISTENER_OBSERVER: ListenerObserver = {
  start: () => 0,
  handled: nothing,
  failed: nothing,
  retried: nothing,
  deadLettered: nothing,
  skipped: nothing,
};

export const NO_CONSUMER_OBSERVER: ConsumerObserver = {
  listener: () => NO_LISTENER_OBSERVER,
  fetched: nothing,
  progressed: nothing,
  statusChanged: nothing,
  close: async () => undefined,
};

export const NO_PRODUCER_OBSERVER: ProducerObserver = {
  trace: () => undefined,
  start: () => 0,
  settled: nothing,
  request: nothing,
  close: nothing,
};
