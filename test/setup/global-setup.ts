import { startKafka } from '../../src/testing';

/**
 * One broker for the whole jest run. With KAFKA_BROKERS set the tests use that cluster instead;
 * KAFKA_VERSION picks the Kafka version of the local broker.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const kafka = await startKafka({ kafkaVersion: process.env.KAFKA_VERSION || undefined });
  process.env.KAFKA_BROKERS = kafka.brokers.join(',');
  process.env.MIDWAY_KAFKA_TEST_BROKER_STARTED = '1';
  (globalThis as { __kafkaBroker?: { stop(): Promise<void> } }).__kafkaBroker = kafka;
}
