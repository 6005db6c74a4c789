import { Kafka, logLevel } from 'kafkajs';

/**
 * The broker a benchmark runs against: `KAFKA_BROKERS` when set, otherwise a local single-node
 * Kafka started through `src/testing` (and stopped by `stop()`).
 */
export interface BenchBroker {
  brokers: string[];
  /** The Kafka release of the local broker, or undefined for an external cluster. */
  kafkaVersion: string | undefined;
  stop(): Promise<void>;
}

export async function benchBroker(): Promise<BenchBroker> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    return {
      brokers: external.split(',').map(b => b.trim()),
      kafkaVersion: process.env.KAFKA_VERSION || undefined,
      stop: async () => undefined,
    };
  }
  const { startKafka } = await import('../../src/testing');
  // The broker as kafka-server-start.sh runs it (its KAFKA_JVM_PERFORMANCE_OPTS: G1 with 20 ms
  // pause goals) with a roomier heap than the tests': it should not be what limits a benchmark.
  const kafka = await startKafka({
    kafkaVersion: process.env.KAFKA_VERSION || undefined,
    jvmOptions: [
      '-Xms1g',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:InitiatingHeapOccupancyPercent=35',
      '-XX:+ExplicitGCInvokesConcurrent',
      '-Djava.awt.headless=true',
    ],
  });
  return { brokers: kafka.brokers, kafkaVersion: kafka.kafkaVersion, stop: () => kafka.stop() };
}

/** The broker (announced when local) and a kafkajs client for it that logs nothing. */
export async function benchKafka(clientId: string): Promise<{ broker: BenchBroker; kafka: Kafka }> {
  const broker = await benchBroker();
  if (!process.env.KAFKA_BROKERS)
    console.log(`local Kafka ${broker.kafkaVersion} at ${broker.brokers.join(',')}`);
  const kafka = new Kafka({ clientId, brokers: broker.brokers, logLevel: logLevel.NOTHING });
  return { broker, kafka };
}
