import { KafkaReplyError, KafkaService, type Application } from 'midway-kafka';
import { brokers, uniqueName } from '../helpers/kafka';
import { createTopics } from './support/topics';
import { fixture, startApp, stopApp } from '../helpers/app';
import { names } from './fixtures/service/src/names';
import { NestPeer } from './support/nest-process-peer';

/**
 * A real NestJS 12 microservice and ClientKafka (Transport.KAFKA) on the test broker, in a
 * child process, against a Midway app: each side calls the other.
 */
describe('request–reply with NestJS 12', () => {
  const nest = {
    sum: uniqueName('nest-sum'),
    fail: uniqueName('nest-fail'),
    crash: uniqueName('nest-crash'),
  };
  let app: Application;
  let kafkaService: KafkaService;
  let peer: NestPeer;

  beforeAll(async () => {
    await createTopics({
      [nest.sum]: 1,
      [nest.fail]: 1,
      [nest.crash]: 1,
      [names.failing]: 1,
      [names.echo]: 3,
      // The reply topics NestJS's client reads (it subscribes to `<pattern>.reply`).
      [`${names.echo}.reply`]: 2,
      [`${names.failing}.reply`]: 1,
    });
    app = await startApp(fixture(__dirname, 'service'), {
      consumerConfig: { groupId: uniqueName('rr-midway') },
      requestReply: {},
    });
    kafkaService = await app.getApplicationContext().getAsync(KafkaService);
    peer = new NestPeer({
      brokers: brokers(),
      clientId: uniqueName('nest'),
      groupId: uniqueName('nest-group'),
      sumTopic: nest.sum,
      failTopic: nest.fail,
      crashTopic: nest.crash,
      calls: [names.echo, names.failing],
    });
    await peer.whenReady();
  }, 120_000);
  afterAll(async () => {
    await peer?.stop();
    await stopApp(app);
  });

  it("Midway calls a NestJS @MessagePattern handler and gets each call's own reply", async () => {
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, i) => kafkaService.request(nest.sum, { numbers: [i, i, 1] })),
    );
    expect(replies).toEqual(
      Array.from({ length: 100 }, (_, i) => ({ sum: 2 * i + 1, by: 'nest' })),
    );
  });

  it('a NestJS RpcException reaches the Midway caller with its message and code', async () => {
    const refused = kafkaService.request(nest.fail, { what: 'divide by zero' });
    await expect(refused).rejects.toBeInstanceOf(KafkaReplyError);
    await expect(refused).rejects.toMatchObject({
      message: 'cannot divide by zero',
      code: 'NEST_REFUSED',
    });
    // NestJS hides other errors behind its generic message; there is no code.
    await expect(kafkaService.request(nest.crash, {})).rejects.toMatchObject({
      message: 'Internal server error',
      code: 'REPLY_ERROR',
    });
  });

  it('NestJS ClientKafka.send() calls a Midway @KafkaListener and gets its reply', async () => {
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => peer.send(names.echo, { sku: `sku-${i}` })),
    );
    expect(replies).toEqual(
      Array.from({ length: 50 }, (_, i) => ({ echo: { sku: `sku-${i}` }, key: null, trace: null })),
    );
  });

  it("a Midway listener's error reaches the NestJS caller as NestJS errors do", async () => {
    await expect(peer.send(names.failing, 'gold')).rejects.toEqual({
      status: 'error',
      message: 'no stock for gold',
      code: 'OUT_OF_STOCK',
      name: 'OutOfStockError',
    });
  });
});
