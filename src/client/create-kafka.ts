import { Kafka, type KafkaConfig } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { createLogCreator } from '../logging/log-creator';
import { noDelaySocketFactory } from './no-delay-sockets';

/**
 * Builds a kafkajs client from `kafka.kafkaConfig`. The log creator is ours and goes last so a
 * user option cannot detach kafkajs from Midway's logger; everything else is the user's, and
 * sockets have Nagle's algorithm off unless the user brings a `socketFactory`.
 */
export function createKafkaClient(config: KafkaConfig, logger: ILogger): Kafka {
  return new Kafka({
    socketFactory: noDelaySocketFactory,
    ...config,
    logCreator: createLogCreator(logger),
  });
}
