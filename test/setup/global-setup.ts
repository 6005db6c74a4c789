import { startKafka, type LocalKafka } from '../../src/testing';

/** Shared with global-teardown.ts: both run in jest's main process. */
export const BROKER_KEY = '__midwayKafkaTestBroker';
export type GlobalWithBroker = typeof globalThis & { [BROKER_KEY]?: LocalKafka };

/**
 * One broker for the whole jest run. With KAFKA_BROKERS set the tests use that cluster instead;
 * KAFKA_VERSION picks the Kafka version of the local broker. Workers inherit KAFKA_BROKERS.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const kafka = await startKafka({ kafkaVersion: process.env.KAFKA_VERSION || undefined });
  process.env.KAFKA_BROKERS = kafka.brokers.join(',');
  process.env.MIDWAY_KAFKA_TEST_BROKER_STARTED = '1';
  (globalThis as GlobalWithBroker)[BROKER_KEY] = kafka;
}
