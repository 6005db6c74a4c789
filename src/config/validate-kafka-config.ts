import type { KafkaConfig } from 'kafkajs';
import { KafkaConfigError } from '../errors';
import { DEFAULT_KAFKA_CONFIG } from './defaults';
import type { MidwayKafkaConfig } from '../interface';

/** Checks `kafka.kafkaConfig` before any client is built, naming the bad path and the fix. */
export function validateKafkaConfig(config: MidwayKafkaConfig | undefined): KafkaConfig {
  const kafkaConfig = config?.kafkaConfig;
  if (!kafkaConfig || typeof kafkaConfig !== 'object') {
    throw new KafkaConfigError(
      'kafka.kafkaConfig',
      'it is missing',
      "Add kafka: { kafkaConfig: { clientId: 'my-app', brokers: ['127.0.0.1:9092'] } } to your config.",
    );
  }
  const { brokers } = kafkaConfig;
  if (typeof brokers === 'function') return kafkaConfig;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new KafkaConfigError(
      'kafka.kafkaConfig.brokers',
      'it must be a non-empty array of "host:port" strings',
      "Set it to e.g. ['127.0.0.1:9092'] (or process.env.KAFKA_BROKERS.split(',')).",
    );
  }
  brokers.forEach((broker, index) => {
    if (typeof broker !== 'string' || !/^[^:\s]+:\d+$/.test(broker.trim())) {
      throw new KafkaConfigError(
        `kafka.kafkaConfig.brokers[${index}]`,
        `${JSON.stringify(broker)} is not a "host:port" string`,
        "Write each broker as 'host:port', e.g. '127.0.0.1:9092'.",
      );
    }
  });
  return kafkaConfig;
}

/** The configured broker list for messages, or a note when it is computed at run time. */
export function describeBrokers(kafkaConfig: KafkaConfig): string[] {
  return Array.isArray(kafkaConfig.brokers) ? kafkaConfig.brokers : ['(brokers from a function)'];
}

/** Checks the component's own settings (timeouts); kafkajs checks its own options. */
export function validateComponentConfig(config: MidwayKafkaConfig): void {
  for (const name of ['shutdownTimeout', 'startTimeout', 'partitionTimeSlice'] as const) {
    const value = config[name];
    if (
      value !== undefined &&
      !(typeof value === 'number' && Number.isFinite(value) && value >= 0)
    ) {
      throw new KafkaConfigError(
        `kafka.${name}`,
        `${JSON.stringify(value)} is not a number of milliseconds >= 0`,
        `Set kafka.${name} to e.g. ${DEFAULT_KAFKA_CONFIG[name]}.`,
      );
    }
  }
}
