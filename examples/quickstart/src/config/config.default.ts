import type { MidwayConfig } from '@midwayjs/core';

export default {
  keys: 'quickstart-demo-only',
  koa: { port: 7001, hostname: '127.0.0.1' },
  kafka: {
    kafkaConfig: {
      clientId: 'quickstart',
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    },
    consumerConfig: { groupId: 'quickstart' },
    // Short backoffs so the demo's retries finish in well under a second.
    retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 1000 },
    // Prometheus metrics (prom-client's default registry), served on GET /metrics.
    metrics: { enabled: true, labels: { service: 'quickstart' } },
  },
} as MidwayConfig;
