import { Config, Consumer, Inject, MSListenerType } from '@midwayjs/core';
import { KafkaListener, KafkaNonRetriableError, type Context } from 'midway-kafka';
import { SIGNUPS_TOPIC, type Signup } from '../signup';
import { Welcomes } from '../service/welcomes';

/** Midway's Kafka guide style, unchanged on Midway 4: @Consumer + @KafkaListener. */
@Consumer(MSListenerType.KAFKA)
export class SignupConsumer {
  @Inject()
  ctx!: Context;

  @Inject()
  welcomes!: Welcomes;

  @Config('signups.greeting')
  greeting!: string;

  @KafkaListener(SIGNUPS_TOPIC, { deserializer: 'json' })
  async welcome() {
    const { email } = this.ctx.payload as Signup;
    if (!email.includes('@')) {
      // No retry can fix this one: it goes to signups.DLT at once.
      throw new KafkaNonRetriableError(`'${email}' is not an e-mail address`);
    }
    this.welcomes.add({
      email,
      greeting: this.greeting,
      partition: this.ctx.partition,
      offset: this.ctx.message.offset,
      attempt: this.ctx.attempt,
    });
    // Context log lines carry the message's coordinates: [group topic[partition]@offset +Nms].
    this.ctx.logger.info(`welcomed ${email}`);
  }
}
