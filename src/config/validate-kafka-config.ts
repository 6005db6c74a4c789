import type { KafkaConfig } from 'kafkajs';
import { KafkaConfigError } from '../errors';
import type { MidwayKafkaConfig } from '../interface';
import { checkNumbers } from './check-number';
import { CLIENT_RULES, CONSUMER_RULES, KAFKAJS_RETRY_RULES, TIMEOUT_RULES } from './number-rules';

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
  checkClientOptions(kafkaConfig);
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

/** The numeric options of `kafka.kafkaConfig` that kafkajs's client uses. */
export function checkClientOptions(kafkaConfig: KafkaConfig): void {
  checkNumbers('kafka.kafkaConfig', kafkaConfig, CLIENT_RULES);
  checkNumbers('kafka.kafkaConfig.retry', kafkaConfig.retry, KAFKAJS_RETRY_RULES);
}

/** The timeouts both the consumers and `KafkaService` use. */
export function checkTimeouts(config: MidwayKafkaConfig): void {
  checkNumbers('kafka', config, TIMEOUT_RULES);
}

/**
 * Checks the settings the consumers use beyond the client: timeouts, `consumerConfig` and
 * `createDeadLetterTopics`. `kafka.retry` and each listener's options are checked when planned.
 */
export function validateComponentConfig(config: MidwayKafkaConfig): void {
  checkTimeouts(config);
  const consumerConfig = config.consumerConfig;
  checkNumbers('kafka.consumerConfig', consumerConfig, CONSUMER_RULES);
  checkNumbers('kafka.consumerConfig.retry', consumerConfig?.retry, KAFKAJS_RETRY_RULES);
  checkHeartbeat(consumerConfig ?? {});
  const create = config.createDeadLetterTopics;
  if (create !== undefined && typeof create !== 'boolean') {
    throw new KafkaConfigError(
      'kafka.createDeadLetterTopics',
      `must be true or false, got ${JSON.stringify(create)}`,
      'Use true (create missing dead-letter topics at start) or false (fail start instead).',
    );
  }
}

/** kafkajs's defaults, which the broker's group coordinator holds the member to. */
const KAFKAJS_SESSION_TIMEOUT = 30_000;
const KAFKAJS_HEARTBEAT_INTERVAL = 3000;

/** A member heartbeating less often than its session lasts is expelled between two heartbeats. */
function checkHeartbeat(consumerConfig: NonNullable<MidwayKafkaConfig['consumerConfig']>): void {
  const session = consumerConfig.sessionTimeout ?? KAFKAJS_SESSION_TIMEOUT;
  const heartbeat = consumerConfig.heartbeatInterval ?? KAFKAJS_HEARTBEAT_INTERVAL;
  if (heartbeat >= session) {
    throw new KafkaConfigError(
      'kafka.consumerConfig.heartbeatInterval',
      `${heartbeat} ms is not shorter than sessionTimeout (${session} ms), so the group would expel the member between heartbeats`,
      'Make heartbeatInterval at most a third of sessionTimeout (kafkajs: 3000 and 30000), as Kafka advises.',
    );
  }
}
