import { KafkaService } from '../../src/producer/kafka.service';

const record = { topic: 'orders', messages: [{ value: 'x' }] };

/** What a caller hears when it uses KafkaService before the service has connected. */
describe('KafkaService before it has started', () => {
  it('says it is not connected yet (not that kafka.kafkaConfig is missing) before its init ran', async () => {
    const service = new KafkaService();
    await expect(service.send(record)).rejects.toMatchObject({
      code: 'NOT_CONNECTED',
      message: expect.stringContaining('not connected yet'),
    });
  });

  it('says it is still connecting while its init connects, then fails start naming the brokers', async () => {
    const service = new KafkaService();
    // Port 1 on this host refuses connections: the init keeps trying until startTimeout.
    Object.assign(service, {
      kafkaConfig: {
        kafkaConfig: { clientId: 'not-started', brokers: ['127.0.0.1:1'], logLevel: 0 },
        startTimeout: 1000,
      },
    });
    const starting = service.init();
    starting.catch(() => undefined);
    await expect(service.send(record)).rejects.toMatchObject({
      code: 'NOT_CONNECTED',
      message: expect.stringMatching(
        /not connected yet: it connects to the brokers while the app starts/,
      ),
    });
    await expect(service.request('orders', {})).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await expect(starting).rejects.toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      message: expect.stringContaining('127.0.0.1:1'),
    });
  });
});
