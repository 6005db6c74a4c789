import type { MidwayKafkaConfig } from '../interface';

/** Every default of the `kafka` configuration key, in one place. */
export const DEFAULT_KAFKA_CONFIG = {
  shutdownTimeout: 30_000,
  startTimeout: 60_000,
} satisfies MidwayKafkaConfig;

/** The component's own logger: kafkajs and the framework write to `midway-kafka.log`. */
export const KAFKA_LOGGER_NAME = 'kafkaLogger';
export const KAFKA_LOG_FILE = 'midway-kafka.log';
