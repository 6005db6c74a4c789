import type { MidwayKafkaConfig } from './dist/index';
export * from './dist/index';

declare module '@midwayjs/core/dist/interface' {
  interface MidwayConfig {
    kafka?: PowerPartial<MidwayKafkaConfig>;
  }
}
