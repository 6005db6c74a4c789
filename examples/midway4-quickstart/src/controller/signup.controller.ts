import { Body, Controller, Get, Inject, Param, Post } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { KafkaService } from 'midway-kafka';
import { SIGNUPS_TOPIC, type Signup } from '../signup';
import { Welcomes } from '../service/welcomes';

@Controller('/signups')
export class SignupController {
  @Inject()
  ctx!: Context;

  @Inject()
  kafkaService!: KafkaService;

  @Inject()
  welcomes!: Welcomes;

  /** Publishes the sign-up and answers 202 once Kafka has it; the listener welcomes it. */
  @Post('/')
  async create(@Body() signup: Signup) {
    const [sent] = await this.kafkaService.emit(SIGNUPS_TOPIC, signup, { key: signup.email });
    this.ctx.status = 202;
    return { topic: SIGNUPS_TOPIC, partition: sent.partition, offset: sent.baseOffset };
  }

  @Get('/:email')
  async find(@Param('email') email: string) {
    const welcome = this.welcomes.get(email);
    if (!welcome) this.ctx.status = 404;
    return welcome ?? { error: `no welcome for ${email} yet` };
  }
}
