import type { KafkaConfig, ProducerConfig, RetryOptions } from 'kafkajs';
import { KafkaConfigError } from '../errors/kafka-component-error';
import type { MidwayKafkaConfig } from '../interface';
import { checkNumbers } from '../config/check-number';
import { DEFAULT_KAFKA_CONFIG } from '../config/defaults';
import { BATCHING_RULES, KAFKAJS_RETRY_RULES, PRODUCER_RULES } from '../config/number-rules';
import { checkClientOptions, checkTimeouts } from '../config/validate-kafka-config';

/** How `KafkaService` coalesces concurrent sends into batched produce requests. */
export interface ProducerBatchingOptions {
  /** Turn coalescing on (default true). With false every call is its own produce request. */
  enabled: boolean;
  /**
   * How long the first call of a batch waits for others while nothing is in flight for its
   * topic, in ms. 0 (the default) waits only for the current turn of the event loop: calls made
   * while a request is in flight queue up anyway and go together in the next one.
   */
  lingerMs: number;
  /** The most messages in one produce request (a larger call goes alone, in parts). */
  maxBatchMessages: number;
  /**
   * The most bytes (keys, values, headers and a per-record allowance) in one produce request,
   * and less for a topic whose `max.message.bytes` is smaller. Stays under the broker's default
   * `message.max.bytes` (1 MiB) with room to spare.
   */
  maxBatchBytes: number;
}

export const DEFAULT_PRODUCER_BATCHING: ProducerBatchingOptions = {
  enabled: true,
  lingerMs: 0,
  // kafkajs groups a request's messages by partition in quadratic time: past ~1,000 that costs more
  // than the round trip it saves (measured: 1,000 is ~15 % faster than 2,000).
  maxBatchMessages: 1000,
  maxBatchBytes: 768 * 1024,
};

/**
 * The safe producer defaults, every one overridable in `kafka.producerConfig`:
 * - idempotent: the broker drops duplicates created by retries, and keeps order per partition;
 * - maxInFlightRequests 1: what idempotence needs (KIP-98; kafkajs does not enforce it);
 * - retry: kafkajs's usual 5 retries with exponential backoff (or `kafkaConfig.retry.retries`). kafkajs's own default for an
 *   idempotent producer is unlimited retries, which turns an unreachable broker into a hang;
 *   `KafkaService` restarts the producer after a failed send instead, so sequence numbers stay valid.
 * Sends use acks -1 (all in-sync replicas) unless a call says otherwise.
 */
export const DEFAULT_PRODUCER_CONFIG = {
  idempotent: true,
  maxInFlightRequests: 1,
  retry: { retries: 5 },
} satisfies ProducerConfig;

/** acks of a send that does not set its own: every in-sync replica must have the records. */
export const DEFAULT_ACKS = -1;

/** Everything `KafkaService` needs from `kafka.*`, validated and with defaults applied. */
export interface ProducerSettings {
  /** Undefined when `kafka.kafkaConfig` (with brokers) is not set: the service stays idle. */
  kafkaConfig?: KafkaConfig;
  producerConfig: ProducerConfig;
  batching: ProducerBatchingOptions;
  /** Longest wait for pending sends at stop, in ms. */
  shutdownTimeout: number;
  /** Longest wait for the producer to connect at start, in ms. */
  startTimeout: number;
  /** Longest time one send may take, kafkajs retries included, in ms. */
  sendTimeout: number;
}

/**
 * Validates `kafka.*` for the producer and merges the defaults. Returns new objects: the user's
 * configuration is never modified.
 */
export function resolveProducerSettings(config: MidwayKafkaConfig | undefined): ProducerSettings {
  const kafka = config ?? {};
  const kafkaConfig = resolveKafkaConfig(kafka.kafkaConfig);
  const producerConfig = resolveProducerConfig(kafka.producerConfig, kafkaConfig?.retry);
  const batching = resolveBatching(kafka.producerBatching);
  checkTimeouts(kafka);
  const shutdownTimeout = kafka.shutdownTimeout ?? DEFAULT_KAFKA_CONFIG.shutdownTimeout;
  const startTimeout = kafka.startTimeout ?? DEFAULT_KAFKA_CONFIG.startTimeout;
  const sendTimeout = kafka.sendTimeout ?? DEFAULT_KAFKA_CONFIG.sendTimeout;
  return { kafkaConfig, producerConfig, batching, shutdownTimeout, startTimeout, sendTimeout };
}

function resolveKafkaConfig(kafkaConfig: KafkaConfig | undefined): KafkaConfig | undefined {
  if (kafkaConfig === undefined || kafkaConfig === null) return undefined;
  if (typeof kafkaConfig !== 'object') {
    throw new KafkaConfigError(
      'kafka.kafkaConfig',
      `expected an object, got ${typeof kafkaConfig}`,
      'Set it to kafkajs client options, e.g. { clientId: "my-app", brokers: ["localhost:9092"] }.',
    );
  }
  const { brokers } = kafkaConfig;
  const empty = brokers === undefined || (Array.isArray(brokers) && brokers.length === 0);
  if (empty) return undefined;
  checkClientOptions(kafkaConfig);
  if (!Array.isArray(brokers) && typeof brokers !== 'function') {
    throw new KafkaConfigError(
      'kafka.kafkaConfig.brokers',
      `expected an array of "host:port" strings, got ${typeof brokers}`,
      'Set it to e.g. ["localhost:9092"].',
    );
  }
  return kafkaConfig;
}

function resolveProducerConfig(
  user: ProducerConfig | undefined,
  clientRetry: RetryOptions | undefined,
): ProducerConfig {
  if (user !== undefined && (user === null || typeof user !== 'object')) {
    throw new KafkaConfigError(
      'kafka.producerConfig',
      `expected an object, got ${user === null ? 'null' : typeof user}`,
      'Set it to kafkajs producer options or leave it out.',
    );
  }
  // kafkajs merges the producer's retry over the client's: keep a client-wide retry count.
  const retries = clientRetry?.retries ?? DEFAULT_PRODUCER_CONFIG.retry.retries;
  const retry: RetryOptions = { retries, ...user?.retry };
  const merged: ProducerConfig = { ...DEFAULT_PRODUCER_CONFIG, ...user, retry };
  checkNumbers('kafka.producerConfig', user, PRODUCER_RULES);
  checkNumbers('kafka.producerConfig.retry', retry, KAFKAJS_RETRY_RULES);
  if (merged.idempotent && (retry.retries ?? 0) < 1) {
    throw new KafkaConfigError(
      'kafka.producerConfig.retry.retries',
      'an idempotent producer needs at least 1 retry',
      'Raise it, or set kafka.producerConfig.idempotent to false.',
    );
  }
  if (merged.transactionalId !== undefined && !merged.idempotent) {
    throw new KafkaConfigError(
      'kafka.producerConfig.idempotent',
      'a transactional producer (transactionalId is set) must be idempotent',
      'Remove idempotent: false or remove transactionalId.',
    );
  }
  return merged;
}

function resolveBatching(
  user: Partial<ProducerBatchingOptions> | false | undefined,
): ProducerBatchingOptions {
  if (user === false) return { ...DEFAULT_PRODUCER_BATCHING, enabled: false };
  if (user !== undefined && (user === null || typeof user !== 'object')) {
    throw new KafkaConfigError(
      'kafka.producerBatching',
      `expected an object or false, got ${user === null ? 'null' : typeof user}`,
      'Set e.g. { lingerMs: 0, maxBatchMessages: 1000 }, or false to send every call on its own.',
    );
  }
  const batching: ProducerBatchingOptions = { ...DEFAULT_PRODUCER_BATCHING, ...user };
  if (typeof batching.enabled !== 'boolean') {
    throw new KafkaConfigError(
      'kafka.producerBatching.enabled',
      `must be a boolean, got ${typeof batching.enabled}`,
      'Use true or false.',
    );
  }
  checkNumbers('kafka.producerBatching', batching, BATCHING_RULES);
  return batching;
}
