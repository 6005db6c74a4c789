import { BROKER_KEY, type GlobalWithBroker } from './global-setup';

/** Stops the broker global-setup started (a broker given through KAFKA_BROKERS is left alone). */
export default async function globalTeardown(): Promise<void> {
  const global = globalThis as GlobalWithBroker;
  const broker = global[BROKER_KEY];
  if (!broker) return;
  await broker.stop();
  delete global[BROKER_KEY];
  delete process.env.KAFKA_BROKERS;
  delete process.env.MIDWAY_KAFKA_TEST_BROKER_STARTED;
}
