export { KafkaConfiguration as Configuration } from './configuration';
export * from './interface';
export * from './errors';
export { DEFAULT_KAFKA_CONFIG } from './config/defaults';
export { DEFAULT_PRODUCER_BATCHING, type ProducerBatchingOptions } from './producer/options';
