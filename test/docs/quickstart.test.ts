import { join } from 'node:path';
import { close, createHttpRequest } from '@midwayjs/mock';
import type { Application as KoaApplication } from '@midwayjs/koa';
import { createMissingTopics, uniqueName, waitFor } from '../helpers/kafka';
import { startKoaExample } from '../helpers/app';
import { midway3AppOptions } from '../helpers/midway';
import type { OrderRecord } from '../../examples/quickstart/src/service/order-ledger';
import { ORDERS_DLT, ORDERS_TOPIC } from '../../examples/quickstart/src/order';

const APP_DIR = join(__dirname, '..', '..', 'examples', 'quickstart');

/** examples/quickstart, as `npm run demo` runs it, against the test broker. */
describe('examples/quickstart', () => {
  let app: KoaApplication | undefined;

  beforeAll(async () => {
    await createMissingTopics([
      { topic: ORDERS_TOPIC, numPartitions: 3 },
      { topic: ORDERS_DLT, numPartitions: 1 },
    ]);
    app = await startKoaExample(APP_DIR, uniqueName('quickstart'), midway3AppOptions());
  }, 120_000);

  afterAll(async () => {
    if (app) await close(app as never);
  });

  async function order(id: string): Promise<OrderRecord | undefined> {
    const response = await createHttpRequest(app!).get(`/orders/${id}`);
    return response.status === 200 ? (response.body as OrderRecord) : undefined;
  }

  it('POST /orders publishes the order and the listener fulfils it', async () => {
    const id = uniqueName('order');
    const response = await createHttpRequest(app!)
      .post('/orders')
      .send({ id, sku: 'book', quantity: 2 });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id, topic: ORDERS_TOPIC });
    expect(typeof response.body.partition).toBe('number');

    await waitFor(async () => (await order(id))?.status === 'fulfilled', `order ${id} fulfilled`);
    const record = await order(id);
    expect(record).toMatchObject({ attempts: 1, status: 'fulfilled' });
    expect(record!.endToEndMs).toBeGreaterThanOrEqual(0);
  });

  it('an invalid order goes to orders.DLT after one attempt, with the failure in its headers', async () => {
    const id = uniqueName('invalid');
    const response = await createHttpRequest(app!)
      .post('/orders')
      .send({ id, sku: 'book', quantity: 0 });
    expect(response.status).toBe(202);

    await waitFor(
      async () => (await order(id))?.status === 'dead-lettered',
      `order ${id} dead-lettered`,
    );
    const deadLetter = (await order(id))!.deadLetter!;
    expect(deadLetter).toMatchObject({
      originalTopic: ORDERS_TOPIC,
      originalPartition: response.body.partition,
      originalOffset: String(response.body.offset),
      exceptionFqcn: 'KafkaNonRetriableError',
      exceptionMessage: expect.stringContaining('quantity must be a positive number'),
      attempts: 1,
      listener: 'OrderConsumer.fulfil',
    });
  });

  it('a flaky order is retried in place and then fulfilled; a broken one is dead-lettered after 3 attempts', async () => {
    const flaky = uniqueName('flaky');
    const broken = uniqueName('broken');
    for (const body of [
      { id: flaky, sku: 'lamp', quantity: 1, simulate: 'flaky' },
      { id: broken, sku: 'unicorn', quantity: 1, simulate: 'broken' },
    ]) {
      expect((await createHttpRequest(app!).post('/orders').send(body)).status).toBe(202);
    }
    await waitFor(
      async () =>
        (await order(flaky))?.status === 'fulfilled' &&
        (await order(broken))?.status === 'dead-lettered',
      'the flaky order fulfilled and the broken one dead-lettered',
    );
    expect((await order(flaky))!.attempts).toBe(3);
    expect((await order(broken))!.attempts).toBe(3);
    expect((await order(broken))!.deadLetter!.attempts).toBe(3);
  });

  it('GET /metrics serves the Kafka metrics in the Prometheus text format', async () => {
    const response = await createHttpRequest(app!).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const fulfil = 'listener="OrderConsumer.fulfil",service="quickstart"';
    // The tests above: 2 orders fulfilled, 2 dead-lettered, 1 + 2 + 3 failed attempts.
    expect(response.text).toMatch(
      new RegExp(`kafka_consumer_messages_total\\{[^}]*${fulfil}\\} 2\n`),
    );
    expect(response.text).toMatch(
      new RegExp(`kafka_consumer_dead_lettered_total\\{[^}]*${fulfil}\\} 2\n`),
    );
    expect(response.text).toMatch(
      new RegExp(`kafka_consumer_handler_errors_total\\{[^}]*${fulfil}\\} 6\n`),
    );
    expect(response.text).toMatch(/kafka_consumer_lag\{[^}]*topic="orders"[^}]*\} \d+/);
    expect(response.text).toMatch(
      /kafka_producer_messages_total\{topic="orders",service="quickstart"\} 4\n/,
    );
  });
});
