import * as path from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import { KafkaService, type Application } from 'midway-kafka';
import { brokers, uniqueName, waitFor, withAdmin } from '../helpers/kafka';
import { LISTENED_TOPIC, received } from './fixtures/listener-app/src/names';

describe('KafkaService beside a @KafkaListener in the same app', () => {
  let app: Application;

  beforeAll(async () => {
    await withAdmin(admin =>
      admin.createTopics({
        topics: [{ topic: LISTENED_TOPIC, numPartitions: 1 }],
        waitForLeaders: true,
      }),
    );
    app = (await createApp<never>(path.join(__dirname, 'fixtures/listener-app'), {
      globalConfig: {
        kafka: {
          kafkaConfig: { clientId: uniqueName('with-listener'), brokers: brokers() },
          consumerConfig: { groupId: uniqueName('with-listener-group') },
        },
      },
    })) as unknown as Application;
  });

  afterAll(async () => {
    await close(app as never);
  });

  it('delivers what send and emit wrote to the listener, once each, at the offsets they resolved with', async () => {
    const kafkaService = await app.getApplicationContext().getAsync(KafkaService);
    const sent = await Promise.all([
      kafkaService.send({
        topic: LISTENED_TOPIC,
        messages: [{ key: 'a', value: JSON.stringify({ n: 1 }) }],
      }),
      kafkaService.emit(LISTENED_TOPIC, { n: 2 }, { key: 'b' }),
      ...Array.from({ length: 50 }, (_, i) => kafkaService.emit(LISTENED_TOPIC, { n: 3 + i })),
    ]);
    await waitFor(() => received.length >= sent.length, `${sent.length} messages at the listener`);
    expect(received).toHaveLength(sent.length);
    const at = new Map(received.map(r => [r.offset, r]));
    sent.forEach(([metadata], i) => {
      const got = at.get(metadata.baseOffset as string);
      expect(got && JSON.parse(got.value)).toEqual({ n: i + 1 });
    });
    expect(at.get(sent[1][0].baseOffset as string)?.key).toBe('b');
  });
});
