import * as path from 'node:path';
import { close, createApp, createHttpRequest } from '@midwayjs/mock';
import type { Framework } from '@midwayjs/koa';
import { brokers, createTopic, uniqueName } from '../helpers/kafka';
import { readTopic } from './helpers';

describe('KafkaService in a @midwayjs/koa app', () => {
  let app: Awaited<ReturnType<typeof createApp<Framework>>>;

  beforeAll(async () => {
    app = await createApp<Framework>(path.join(__dirname, 'fixtures/koa-app'), {
      globalConfig: {
        koa: { port: 0 },
        keys: 'test-keys',
        kafka: { kafkaConfig: { clientId: uniqueName('koa-producer'), brokers: brokers() } },
      },
    });
  });

  afterAll(async () => {
    await close(app);
  });

  it('sends from concurrent HTTP requests; each response has its own offset', async () => {
    const topic = await createTopic('producer-koa');
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        createHttpRequest(app)
          .post('/orders')
          .send({ topic, order: { id: i } }),
      ),
    );
    for (const response of responses) expect(response.status).toBe(200);
    const offsets = responses.map(r => r.body.offset as string);
    expect(new Set(offsets).size).toBe(30);

    const consumed = await readTopic(topic, 30);
    const byOffset = new Map(consumed.map(m => [m.offset, JSON.parse(String(m.value)).id]));
    responses.forEach((response, i) => expect(byOffset.get(response.body.offset)).toBe(i));
  });
});
