import { Kafka, type KafkaConfig } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { createLogCreator } from '../logging/log-creator';

/**
 * Builds a kafkajs client from `kafka.kafkaConfig`. The log creator is ours and goes last so a
 * user option cannot detach kafkajs from Midway's logger; everything else is the user's.
 */
export function createKafkaClient(config: KafkaConfig, logger: ILogger): Kafka {
  return new Kafka({ ...config, logCreator: createLogCreator(logger) });
}
