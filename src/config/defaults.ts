import type { ConsumerConfig } from 'kafkajs';
import type { MidwayKafkaConfig } from '../interface';

/** Every default of the `kafka` configuration key, in one place. */
export const DEFAULT_KAFKA_CONFIG = {
  shutdownTimeout: 30_000,
  startTimeout: 60_000,
  partitionTimeSlice: 5000,
  /** Java's `delivery.timeout.ms`: long enough for kafkajs's retries, short enough to never hang. */
  sendTimeout: 120_000,
  createDeadLetterTopics: true,
} satisfies MidwayKafkaConfig;

/** The component's own logger: kafkajs and the framework write to `midway-kafka.log`. */
export const KAFKA_LOGGER_NAME = 'kafkaLogger';
export const KAFKA_LOG_FILE = 'midway-kafka.log';

/**
 * What the framework's consumers use unless `kafka.consumerConfig` says otherwise.
 * - `maxWaitTimeInMs` 1 s (kafkajs: 5 s): kafkajs waits for its in-flight long poll before a stop
 *   completes, so 5 s would make every shutdown take up to 5 s.
 * - `maxBytes` 2 MiB (kafkajs: 10 MiB): kafkajs decodes every message of a fetch at once and they
 *   live until the whole fetch is handled, so the fetch size sets the consumer's memory; 2 MiB
 *   keeps a listener draining any backlog under 200 MB RSS at no cost in throughput
 *   (docs/benchmarks.md). `maxBytesPerPartition` follows from it: see consumerFetchSizes.
 */
export const DEFAULT_CONSUMER_CONFIG = {
  maxWaitTimeInMs: 1000,
  maxBytes: 2 * 1024 * 1024,
} satisfies Partial<ConsumerConfig>;
