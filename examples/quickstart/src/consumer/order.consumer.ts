import { Consumer, Inject, MSListenerType } from '@midwayjs/core';
import type { KafkaMessage } from 'kafkajs';
import {
  KafkaListener,
  KafkaNonRetriableError,
  KafkaRetriableError,
  readDeadLetterHeaders,
  type Context,
} from 'midway-kafka';
import { ORDERS_DLT, ORDERS_TOPIC, type Order } from '../order';
import { OrderLedger } from '../service/order-ledger';

@Consumer(MSListenerType.KAFKA)
export class OrderConsumer {
  @Inject()
  ctx!: Context;

  @Inject()
  ledger!: OrderLedger;

  /**
   * Returning normally marks the message done (its offset + 1 is committed). Throwing retries it
   * in place with backoff (kafka.retry); once the attempts are used up, or on a
   * KafkaNonRetriableError, the message goes to `orders.DLT` and the partition moves on.
   */
  @KafkaListener(ORDERS_TOPIC, { deserializer: 'json' })
  async fulfil(message: KafkaMessage) {
    const order = this.ctx.payload as Order;
    this.ledger.attempted(order.id, this.ctx.attempt);
    if (typeof order.sku !== 'string' || !(order.quantity > 0)) {
      // Retrying cannot fix a malformed order: skip the remaining attempts.
      throw new KafkaNonRetriableError(`order ${order.id}: quantity must be a positive number`);
    }
    if (order.simulate === 'flaky' && this.ctx.attempt < 3) {
      throw new KafkaRetriableError(`order ${order.id}: the inventory service timed out`);
    }
    if (order.simulate === 'broken') {
      throw new Error(`order ${order.id}: SKU ${order.sku} is not in the catalogue`);
    }
    this.ledger.fulfilled(order.id, Date.now() - Number(message.timestamp));
  }

  /** Dead letters are ordinary messages: here they are only recorded, with what their kafka_dlt-* headers say. */
  @KafkaListener(ORDERS_DLT, { deserializer: 'json' })
  async recordDeadLetter(message: KafkaMessage) {
    const order = this.ctx.payload as Order;
    this.ledger.deadLettered(order.id, readDeadLetterHeaders(message.headers));
  }
}
