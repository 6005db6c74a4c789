export { KafkaConfiguration as Configuration } from './configuration';
export * from './interface';
export * from './errors';
export { DEFAULT_KAFKA_CONFIG } from './config/defaults';
export { DEFAULT_PRODUCER_BATCHING, type ProducerBatchingOptions } from './producer/options';
export { KafkaService } from './producer/kafka.service';
export { DEFAULT_PRODUCER_CONFIG, DEFAULT_ACKS } from './producer/options';
export { KafkaSendError, KafkaSerializationError } from './producer/errors';
export type { EmitOptions } from './producer/messages';
export { MidwayKafkaFramework as Framework, MidwayKafkaFramework } from './framework/framework';
export { KafkaListener } from './listener/kafka-listener.decorator';
export type { ConsumerState, ConsumerStatusEvent } from './consumer/consumer-status';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './consumer/retry/retry-policy';
export type { Deserializer, DeserializerOption } from './consumer/deserialize';
export {
  DLT_HEADERS,
  readDeadLetterHeaders,
  type DeadLetterInfo,
} from './consumer/dead-letter-headers';
export {
  KafkaReplyError,
  KafkaRequestAbortedError,
  KafkaRequestTimeoutError,
} from './request-reply/errors';
export { REPLY_HEADERS, type ReplyErrorPayload } from './request-reply/wire';
export type {
  ReplyDeserializer,
  RequestOptions,
  RequestReplyConfig,
} from './request-reply/options';
export type { RequestReplyStats } from './request-reply/pending-requests';
export type { Envelope } from './envelope/envelope';
export type { KafkaEnvelopeConfig, UnmatchedTypePolicy } from './envelope/settings';
export type { KafkaMetricsConfig } from './metrics/settings';
export type { KafkaTracingConfig } from './tracing/settings';
