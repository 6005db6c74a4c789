/** `midway-kafka/testing`: a real local Kafka for tests, and the Kafka Java tools from its jars. */
export { startKafka, prefetchKafka } from './start-kafka';
export type { LocalKafka } from './cluster';
export { DEFAULT_KAFKA_VERSION, TESTED_KAFKA_VERSIONS, type StartKafkaOptions } from './options';
export { LocalKafkaError, type LocalKafkaErrorCode } from './errors';
export {
  javaToolCommand,
  kafkaToolClasses,
  type JavaToolCommand,
  type JavaToolOptions,
  type KafkaToolClasses,
} from './java-tools';
export { stopAll as stopAllKafka } from './reaper';
