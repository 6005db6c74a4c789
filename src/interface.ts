import type { Consumer, ConsumerConfig, KafkaConfig, KafkaMessage, ProducerConfig } from 'kafkajs';
import type {
  IConfigurationOptions,
  IMidwayApplication,
  IMidwayContext,
  NextFunction as BaseNextFunction,
} from '@midwayjs/core';
import type { ProducerBatchingOptions } from './producer/options';

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
  propertyKey?: string;
  topic?: string;
  subscription?: KafkaListenerSubscription;
  runConfig?: KafkaListenerRunConfig;
  /** Consume in this consumer group instead of `kafka.consumerConfig.groupId`. */
  groupId?: string;
}

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
  /** How long a stop waits for in-flight handlers before disconnecting, in ms. */
  shutdownTimeout?: number;
  /** How long start waits for every consumer to join its group, in ms. */
  startTimeout?: number;
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
}

export type Context = IMidwayKafkaContext;
export type IMidwayKafkaApplication = IMidwayApplication<Context>;
export type Application = IMidwayKafkaApplication;
export type NextFunction = BaseNextFunction;

declare module '@midwayjs/core/dist/interface' {
  interface MidwayConfig {
    kafka?: PowerPartial<MidwayKafkaConfig>;
  }
}
