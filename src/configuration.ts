import { Configuration } from '@midwayjs/core';
import { DEFAULT_KAFKA_CONFIG, KAFKA_LOG_FILE, KAFKA_LOGGER_NAME } from './config/defaults';

@Configuration({
  namespace: 'kafka',
  importConfigs: [
    {
      default: {
        kafka: DEFAULT_KAFKA_CONFIG,
        midwayLogger: {
          clients: {
            [KAFKA_LOGGER_NAME]: { fileLogName: KAFKA_LOG_FILE },
          },
        },
      },
    },
  ],
})
export class KafkaConfiguration {}
