import type { MidwayConfig } from '@midwayjs/core';

export default {
  keys: 'midway4-quickstart-only',
  koa: { port: Number(process.env.PORT ?? 7001), hostname: '127.0.0.1' },
  kafka: {
    kafkaConfig: {
      clientId: 'midway4-quickstart',
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    },
    consumerConfig: { groupId: 'midway4-quickstart' },
    retry: { attempts: 2, initialDelayMs: 100, maxDelayMs: 500 },
  },
  signups: { greeting: 'Welcome aboard' },
} as MidwayConfig;
