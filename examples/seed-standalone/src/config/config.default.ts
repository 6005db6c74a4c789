// src/config/config.default
import { MidwayConfig } from '@midwayjs/core';

export default {
  // ...
  kafka: {
    kafkaConfig: {
      clientId: 'my-app',
      brokers: [process.env.KAFKA_URL || 'localhost:9092'],
    },
    consumerConfig: {
      groupId: 'groupId-test'
    }
  },
} as MidwayConfig;
