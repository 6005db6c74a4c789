import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Body, Controller, Get, Inject, Param, Post } from '@midwayjs/core';
import type { Context } from '@midwayjs/koa';
import { KafkaService } from 'midway-kafka';
import { ORDERS_TOPIC, type Order } from '../order';
import { OrderLedger } from '../service/order-ledger';

@Controller('/')
export class OrderController {
  @Inject()
  ctx!: Context;

  @Inject()
  kafkaService!: KafkaService;

  @Inject()
  ledger!: OrderLedger;

  /** Publishes the order and answers 202 once Kafka has it; the listener does the rest. */
  @Post('/orders')
  async create(@Body() body: Partial<Order>) {
    const order = { ...body, id: body.id ?? randomUUID() } as Order;
    const started = performance.now();
    // The key keeps every event of one order on one partition, in order.
    const [sent] = await this.kafkaService.emit(ORDERS_TOPIC, order, { key: order.id });
    const produceMs = performance.now() - started;
    this.ledger.accepted(order.id, sent.partition, String(sent.baseOffset), produceMs);
    this.ctx.status = 202;
    return {
      id: order.id,
      topic: ORDERS_TOPIC,
      partition: sent.partition,
      offset: sent.baseOffset,
    };
  }

  @Get('/orders/:id')
  async find(@Param('id') id: string) {
    const record = this.ledger.get(id);
    if (!record) this.ctx.status = 404;
    return record ?? { error: `no order ${id}` };
  }

  @Get('/stats')
  async stats() {
    return this.ledger.summary();
  }
}
