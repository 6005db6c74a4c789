import { Provide, Inject } from '@midwayjs/core';
// The seed writes its own KafkaService in src/service/kafka.ts; midway-kafka provides it.
import { KafkaService } from 'midway-kafka';

@Provide()
export class UserService {

  @Inject()
  kafkaService: KafkaService;

  async invoke(messageValue) {
    // TODO

    // 发送消息
    const result = this.kafkaService.send({
      topic: 'test',
      messages: [
        {
          value: JSON.stringify(messageValue),
        },
      ],
    });
    return result;
  }
}
