import { Provide, Consumer, MSListenerType, Inject, KafkaListener } from '@midwayjs/core';
import { KafkaMessage } from 'kafkajs';
import { IMidwayKafkaContext } from 'midway-kafka';

@Provide()
@Consumer(MSListenerType.KAFKA)
export class UserConsumer {

  @Inject()
  ctx: IMidwayKafkaContext;

  @Inject()
  logger;

  @KafkaListener('topic-test')
  async gotData(message: KafkaMessage) {
    this.logger.info('test output =>', message.offset + ' ' + message.key + ' ' + message.value.toString('utf8'));
  }
}
