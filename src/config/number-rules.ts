import type { ConsumerConfig, KafkaConfig, ProducerConfig, RetryOptions } from 'kafkajs';
import type { KafkaListenerOptions, KafkaListenerRunConfig, MidwayKafkaConfig } from '../interface';
import type { RetryPolicy } from '../consumer/retry/retry-policy';
import type { ProducerBatchingOptions } from '../producer/options';
import type { NumberRule, NumberRules } from './check-number';

/**
 * The numeric options kafkajs or the component use, and what each may be. kafkajs encodes most
 * of them as int32 protocol fields or passes them to `setTimeout`, hence the int32 ceiling.
 */
const COUNT: NumberRule = { min: 1, integer: true };
const MS: NumberRule = { min: 0, integer: true };
const POSITIVE_MS: NumberRule = { min: 1, integer: true };
/** The component's own delays and timeouts: any duration a timer can wait. */
const DELAY: NumberRule = { min: 0 };
const POSITIVE_DELAY: NumberRule = { min: 1 };

/** kafkajs's `retry` (client, consumer, producer): its backoff before it gives up. */
export const KAFKAJS_RETRY_RULES: NumberRules<RetryOptions> = {
  maxRetryTime: MS,
  initialRetryTime: MS,
  factor: { min: 0, max: 1 },
  multiplier: { min: 1 },
  retries: { min: 0, integer: true, infinite: true },
};

export const CLIENT_RULES: NumberRules<KafkaConfig> = {
  connectionTimeout: POSITIVE_MS,
  authenticationTimeout: POSITIVE_MS,
  reauthenticationThreshold: MS,
  requestTimeout: POSITIVE_MS,
};

export const CONSUMER_RULES: NumberRules<ConsumerConfig> = {
  sessionTimeout: POSITIVE_MS,
  rebalanceTimeout: POSITIVE_MS,
  heartbeatInterval: POSITIVE_MS,
  metadataMaxAge: MS,
  maxBytesPerPartition: COUNT,
  minBytes: { min: 0, integer: true },
  maxBytes: COUNT,
  maxWaitTimeInMs: MS,
  maxInFlightRequests: { ...COUNT, nullable: true },
};

export const PRODUCER_RULES: NumberRules<ProducerConfig> = {
  metadataMaxAge: MS,
  transactionTimeout: POSITIVE_MS,
  maxInFlightRequests: { ...COUNT, nullable: true },
};

export const BATCHING_RULES: NumberRules<ProducerBatchingOptions> = {
  lingerMs: DELAY,
  maxBatchMessages: COUNT,
  maxBatchBytes: COUNT,
};

export const TIMEOUT_RULES: NumberRules<MidwayKafkaConfig> = {
  shutdownTimeout: DELAY,
  startTimeout: POSITIVE_DELAY,
  sendTimeout: POSITIVE_DELAY,
  partitionTimeSlice: POSITIVE_DELAY,
};

export const RUN_CONFIG_RULES: NumberRules<KafkaListenerRunConfig> = {
  partitionsConsumedConcurrently: COUNT,
  autoCommitInterval: { ...DELAY, nullable: true },
  autoCommitThreshold: { ...COUNT, nullable: true },
};

/** How a listener's messages are handed to it (concurrency, batches). */
export const DELIVERY_RULES: NumberRules<KafkaListenerOptions> = {
  concurrency: COUNT,
  maxBatchSize: COUNT,
  maxBatchWait: DELAY,
};

export const RETRY_POLICY_RULES: NumberRules<RetryPolicy> = {
  attempts: { ...COUNT, infinite: true },
  initialDelayMs: DELAY,
  maxDelayMs: DELAY,
  multiplier: { min: 1 },
  jitter: { min: 0, max: 1 },
};

/** `kafka.metrics`: how old a partition's end may be before a scrape asks the broker again. */
export const METRICS_RULES: NumberRules<{ lagRefreshInterval?: number }> = {
  lagRefreshInterval: POSITIVE_DELAY,
};
