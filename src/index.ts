export { KafkaConfiguration as Configuration } from './configuration';
export * from './interface';
export * from './errors';
export { DEFAULT_KAFKA_CONFIG } from './config/defaults';
export { DEFAULT_PRODUCER_BATCHING, type ProducerBatchingOptions } from './producer/options';
export { KafkaService } from './producer/kafka.service';
export { DEFAULT_PRODUCER_CONFIG, DEFAULT_ACKS } from './producer/options';
export { KafkaSendError, KafkaSerializationError } from './producer/errors';
export type { EmitOptions } from './producer/messages';
