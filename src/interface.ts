import type { Consumer, ConsumerConfig, KafkaConfig, KafkaMessage, ProducerConfig } from 'kafkajs';
import type {
  IConfigurationOptions,
  IMidwayApplication,
  IMidwayContext,
  NextFunction as BaseNextFunction,
} from '@midwayjs/core';
import type { ProducerBatchingOptions } from './producer/options';
import type { RetryPolicy } from './consumer/retry/retry-policy';
import type { DeserializerOption } from './consumer/deserialize';
import type { RequestReplyConfig } from './request-reply/options';
import type { Envelope } from './envelope/envelope';
import type { KafkaEnvelopeConfig, UnmatchedTypePolicy } from './envelope/settings';
import type { KafkaMetricsConfig } from './metrics/settings';
import type { KafkaTracingConfig } from './tracing/settings';

/** How a listener's offsets are committed; mirrors kafkajs's `ConsumerRunConfig` names. */
export interface KafkaListenerRunConfig {
  /** Commit finished messages automatically (default true). With false, only `ctx.commitOffsets` commits. */
  autoCommit?: boolean;
  /** Commit finished work at most this often, in ms (default: at the end of every fetched batch). */
  autoCommitInterval?: number | null;
  /** Commit once this many messages of a partition are finished. */
  autoCommitThreshold?: number | null;
  /** Partitions of this listener's group handled at the same time (default 1). */
  partitionsConsumedConcurrently?: number;
  /** Accepted for compatibility with kafkajs; the framework always resolves offsets itself. */
  eachBatchAutoResolve?: boolean;
}

export interface KafkaListenerSubscription {
  /** Where a group with no committed offset starts: the earliest message (true) or new ones only. */
  fromBeginning?: boolean;
}

/** Options of `@KafkaListener(topic, options)`. */
export interface KafkaListenerOptions {
  /** Set by the decorator: the method it decorates. */
  propertyKey?: string;
  /** Set by the decorator from its first argument. */
  topic?: string;
  subscription?: KafkaListenerSubscription;
  runConfig?: KafkaListenerRunConfig;
  /** Consume in this consumer group instead of `kafka.consumerConfig.groupId`. */
  groupId?: string;
  /** Retries of a failing message, over `kafka.retry`. */
  retry?: Partial<RetryPolicy>;
  /**
   * Retries of a failing request (a message with reply headers): by default none, so its caller
   * gets the error reply at once; e.g. `{ attempts: 3 }` retries it (backoffs from `kafka.retry`).
   */
  requestRetry?: Partial<RetryPolicy>;
  /** What happens once retries are exhausted, over `kafka.onFailure` (default `'dead-letter'`). */
  onFailure?: FailurePolicy;
  /** Where `'dead-letter'` publishes; default `<topic>.DLT`. */
  deadLetterTopic?: string;
  /** How `ctx.payload` is made from the message (default `'raw'`: the value Buffer). */
  deserializer?: DeserializerOption;
  /**
   * Up to this many messages of a partition are handled at once (default 1), never two with the
   * same key at the same time: order is kept per key, not per partition. Finished work is
   * committed up to the oldest message still running.
   */
  concurrency?: number;
  /** With `concurrency`: messages without a key run concurrently (default) or in order among themselves. */
  unkeyed?: 'concurrent' | 'ordered';
  /**
   * The listener gets the messages of one partition fetch as an array (`(messages, ctx)`), up to
   * `maxBatchSize` at a time. Returning commits them all; throwing retries the whole batch;
   * `KafkaBatchError(index, cause)` commits those before `index` and retries from there.
   */
  batch?: boolean;
  /** Most messages in one batch (default 500). */
  maxBatchSize?: number;
  /**
   * The value is a JSON envelope `{type, data, timestamp, source, traceId}`: `ctx.payload` is its
   * `data`, `ctx.envelope` the whole. A malformed one fails as undecodable (dead-lettered by
   * default). Default: `kafka.envelope.enabled`.
   */
  envelope?: boolean;
  /** With `envelope`: the types this listener takes, e.g. `'video.created'` or a list (default: all). */
  type?: string | string[];
  /** With `type`: what becomes of an envelope of another type (default `kafka.envelope.unmatchedType`, `'skip'`). */
  unmatchedType?: UnmatchedTypePolicy;
  /**
   * With `batch`: a batch smaller than `maxBatchSize` waits up to this many ms (from its first
   * message's arrival) for more messages before it is handed over (default 0: at once).
   */
  maxBatchWait?: number;
}

/** A message its listener could not handle, after every retry. */
export interface MessageFailure {
  readonly listener: string;
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
  readonly error: unknown;
  /** How many times the listener was called with the message. */
  readonly attempts: number;
}

/**
 * - `'dead-letter'`: publish the message to its dead-letter topic, then commit it and go on;
 * - `'stop'`: pause the partition (the message stays uncommitted) and report it; the app keeps running;
 * - a function: called with the failure; when it resolves the message counts as handled.
 */
export type FailurePolicy = 'dead-letter' | 'stop' | ((failure: MessageFailure) => Promise<void>);

/** `kafka` in the Midway configuration. */
export interface MidwayKafkaConfig extends IConfigurationOptions {
  /** kafkajs client options: clientId, brokers, ssl, sasl, retry … */
  kafkaConfig?: KafkaConfig;
  /** kafkajs consumer options; `groupId` is required once any `@KafkaListener` exists. */
  consumerConfig?: Partial<ConsumerConfig>;
  /** kafkajs producer options for `KafkaService`. */
  producerConfig?: ProducerConfig;
  /** How `KafkaService` coalesces concurrent sends; `false` sends each call on its own. */
  producerBatching?: Partial<ProducerBatchingOptions> | false;
  /**
   * How long a stop waits, in ms: each consumer group for its in-flight handlers, and
   * `KafkaService` for its waiting requests and queued sends together, before disconnecting.
   */
  shutdownTimeout?: number;
  /** How long start waits for every consumer to join its group, in ms. */
  startTimeout?: number;
  /**
   * The longest one partition's fetched messages are handled in a row, in ms (default 5000).
   * Then the consumer turns to its other partitions, and what is left is fetched again: with slow
   * handlers, no partition waits behind another's whole fetch. Fast handlers never reach it.
   */
  partitionTimeSlice?: number;
  /**
   * The longest one `KafkaService` send may take, kafkajs retries included, in ms (default
   * 120000, like Java's `delivery.timeout.ms`). After it the call rejects and the producer is
   * replaced, so a dead connection can never hang a send.
   */
  sendTimeout?: number;
  /** Turns on `KafkaService.request()`: its reply topic is checked and read from start. */
  requestReply?: RequestReplyConfig;
  /** Retries of a failing message, for every listener (each may override). */
  retry?: Partial<RetryPolicy>;
  /** What happens once retries are exhausted, for every listener (each may override). */
  onFailure?: FailurePolicy;
  /** The dead-letter topic of `topic` when a listener names none (default `${topic}.DLT`). */
  deadLetterTopic?: (topic: string) => string;
  /**
   * At start, every `'dead-letter'` listener's topic must exist. When one is missing: true (the
   * default) creates it with its source topic's partitions and replication factor; false fails start,
   * naming it, for clusters whose topics are provisioned elsewhere.
   */
  createDeadLetterTopics?: boolean;
  /** Prometheus metrics through prom-client (off by default). */
  metrics?: KafkaMetricsConfig;
  /** OpenTelemetry spans and W3C trace context in headers (off by default). */
  tracing?: KafkaTracingConfig;
  /** The JSON envelope `emit(topic, data, { type })` writes and `envelope: true` listeners read. */
  envelope?: KafkaEnvelopeConfig;
  /**
   * Formats the context log lines of Kafka messages, `(info) => string` as Midway's loggers take
   * it (default: `[group topic[partition]@offset traceId=… +Nms]` before the message).
   */
  contextLoggerFormat?: IConfigurationOptions['contextLoggerFormat'];
}

/** The request-scoped context of one Kafka message (`@Inject() ctx`). */
export interface IMidwayKafkaContext extends IMidwayContext {
  readonly topic: string;
  readonly partition: number;
  /** The message as kafkajs delivered it; never modified. */
  readonly message: KafkaMessage;
  /** The decoded value the handler works on (the raw `message.value` unless a deserializer is set). */
  readonly payload: unknown;
  readonly groupId: string;
  /** 1 on the first delivery of the message to this listener, 2 on the first retry … */
  readonly attempt: number;
  /** The raw kafkajs consumer behind this message's group. */
  readonly consumer: Consumer;
  /** Commit `offset` (the next offset to read, Kafka's meaning) for this topic and partition. */
  commitOffsets(offset: string | number | bigint): Promise<void>;
  /** Tell the group coordinator this member is alive during long work. */
  heartbeat(): Promise<void>;
  /** Stop fetching this topic-partition; returns a function that resumes it. */
  pause(): () => void;
  /** For a batch listener (`batch: true`): the messages of the batch; `message` is the last. */
  readonly messages?: readonly KafkaMessage[];
  /** For a listener with `envelope: true`: the decoded envelope (`payload` is its `data`). */
  readonly envelope?: Envelope;
  /** The message's trace id: from its `traceparent` header, else its envelope, else the span tracing runs it in. */
  readonly traceId?: string;
}

/** The context of a batch listener: `payload` is the array of decoded messages. */
export interface IMidwayKafkaBatchContext extends IMidwayKafkaContext {
  readonly messages: readonly KafkaMessage[];
  readonly payload: unknown[];
}

export type Context = IMidwayKafkaContext;
export type BatchContext = IMidwayKafkaBatchContext;
export type IMidwayKafkaApplication = IMidwayApplication<Context>;
export type Application = IMidwayKafkaApplication;
export type NextFunction = BaseNextFunction;

declare module '@midwayjs/core/dist/interface' {
  interface MidwayConfig {
    kafka?: PowerPartial<MidwayKafkaConfig>;
  }
}
