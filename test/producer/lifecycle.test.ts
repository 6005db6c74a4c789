import * as net from 'node:net';
import type { ISocketFactory } from 'kafkajs';
import { KafkaService } from 'midway-kafka';
import { brokers, createTopic, testKafka, uniqueName, waitFor, withAdmin } from '../helpers/kafka';
import {
  close,
  kafkaServiceOf,
  readTopic,
  recordsInTopic,
  startProducerApp,
  trackUnhandledRejections,
} from './helpers';

/** A port on which nothing listens: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

/**
 * A kafkajs socket factory that can cut the client off the broker, as if the broker went away:
 * open connections end with a reset ('reset') or die without a word ('silent', the case kafkajs
 * itself would wait on forever), and new connections are refused until `restore()`.
 */
function switchableNetwork(refusedPort: number) {
  const sockets = new Set<net.Socket>();
  let down = false;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const target = down ? { host: '127.0.0.1', port: refusedPort } : { host, port };
    const socket = net.connect(target, onConnect);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return socket;
  };
  return {
    socketFactory,
    cut(mode: 'reset' | 'silent') {
      down = true;
      for (const socket of sockets) {
        if (mode === 'reset') socket.destroy(new Error('read ECONNRESET (test)'));
        else socket.destroy();
      }
    },
    restore() {
      down = false;
    },
  };
}

/** Fast kafkajs retries so failure tests finish in seconds; the bound is the same mechanism. */
const QUICK_RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 };

describe('KafkaService lifecycle and failures', () => {
  const rejections = trackUnhandledRejections();

  afterAll(() => {
    rejections.dispose();
    expect(rejections.errors).toEqual([]);
  });

  it('starts without kafka.kafkaConfig and tells the caller to set it', async () => {
    const app = await startProducerApp({ kafkaConfig: undefined });
    try {
      const kafkaService = await kafkaServiceOf(app);
      expect(kafkaService.producer).toBeUndefined();
      await expect(
        kafkaService.send({ topic: 'anything', messages: [{ value: 'x' }] }),
      ).rejects.toMatchObject({
        code: 'NOT_CONNECTED',
        message: expect.stringContaining('kafka.kafkaConfig'),
      });
    } finally {
      await close(app);
    }
  });

  it('fails start on an invalid batching option, naming its path', async () => {
    await expect(startProducerApp({ producerBatching: { lingerMs: -1 } })).rejects.toThrow(
      'kafka.producerBatching.lingerMs: must be a number >= 0',
    );
  });

  it('fails start with a bounded, clear error when the broker is unreachable', async () => {
    const port = await closedPort();
    const started = Date.now();
    await expect(
      startProducerApp({
        kafkaConfig: {
          clientId: uniqueName('unreachable'),
          brokers: [`127.0.0.1:${port}`],
          connectionTimeout: 500,
          retry: QUICK_RETRY,
        },
      }),
    ).rejects.toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('flushes pending sends at stop and rejects sends after it', async () => {
    const topic = await createTopic('producer-stop');
    const app = await startProducerApp();
    const kafkaService = await kafkaServiceOf(app);
    const pending = Array.from({ length: 500 }, (_, i) =>
      kafkaService.send({ topic, messages: [{ value: `v${i}` }] }),
    );
    await close(app);
    const results = await Promise.all(pending);
    expect(new Set(results.map(r => r[0].baseOffset)).size).toBe(500);
    expect(await recordsInTopic(topic)).toBe(500);
    await expect(kafkaService.send({ topic, messages: [{ value: 'late' }] })).rejects.toMatchObject(
      {
        code: 'STOPPED',
        message: expect.stringContaining('stopped'),
      },
    );
    await expect(kafkaService.emit(topic, { late: true })).rejects.toMatchObject({
      code: 'STOPPED',
    });
    expect(kafkaService.producer).toBeUndefined();
  });

  it('rejects an unknown topic, naming it, when auto-creation is off; other topics are unaffected', async () => {
    const good = await createTopic('producer-known');
    const app = await startProducerApp({
      kafkaConfig: {
        clientId: uniqueName('no-autocreate'),
        brokers: brokers(),
        retry: QUICK_RETRY,
      },
      producerConfig: { allowAutoTopicCreation: false },
    });
    try {
      const kafkaService = await kafkaServiceOf(app);
      const missing = uniqueName('producer-missing');
      const [unknown, known] = await Promise.allSettled([
        kafkaService.send({ topic: missing, messages: [{ value: 'lost' }] }),
        kafkaService.send({ topic: good, messages: [{ value: 'kept' }] }),
      ]);
      expect(unknown).toMatchObject({
        status: 'rejected',
        reason: {
          code: 'UNKNOWN_TOPIC',
          topic: missing,
          message: expect.stringContaining(missing),
        },
      });
      expect(known).toMatchObject({ status: 'fulfilled' });
      // The failed send replaced the producer; the next send works.
      await expect(kafkaService.emit(good, 'after')).resolves.toHaveLength(1);
      expect(await recordsInTopic(good)).toBe(2);
      expect(await withAdmin(admin => admin.listTopics())).not.toContain(missing);
    } finally {
      await close(app);
    }
  });

  it.each(['reset', 'silent'] as const)(
    'rejects in bounded time when the broker goes away (%s connection loss), then recovers',
    async mode => {
      const topic = await createTopic('producer-outage');
      const network = switchableNetwork(await closedPort());
      const app = await startProducerApp({
        kafkaConfig: {
          clientId: uniqueName('outage'),
          brokers: brokers(),
          connectionTimeout: 500,
          retry: QUICK_RETRY,
          socketFactory: network.socketFactory,
        },
        sendTimeout: 3000,
      });
      try {
        const kafkaService = await kafkaServiceOf(app);
        await kafkaService.emit(topic, 'before');
        const before = kafkaService.producer;

        network.cut(mode);
        const started = Date.now();
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => kafkaService.emit(topic, `during-${i}`)),
        );
        expect(Date.now() - started).toBeLessThan(30_000);
        for (const outcome of outcomes) {
          expect(outcome).toMatchObject({
            status: 'rejected',
            reason: { code: 'BROKER_UNAVAILABLE', message: expect.stringContaining(topic) },
          });
        }

        network.restore();
        await waitFor(
          () =>
            kafkaService.emit(topic, 'after').then(
              () => true,
              () => false,
            ),
          'a send to succeed after the broker is back',
        );
        expect(kafkaService.producer).not.toBe(before);
        const values = (await readTopic(topic, await recordsInTopic(topic))).map(m =>
          String(m.value),
        );
        expect(values.filter(v => v === 'before')).toHaveLength(1);
        expect(values.filter(v => v === 'after')).toHaveLength(1);
        expect(values.some(v => v.startsWith('during-'))).toBe(false);
      } finally {
        await close(app);
      }
    },
  );

  it('sends each call on its own when batching is switched off', async () => {
    const topic = await createTopic('producer-unbatched', 2);
    const app = await startProducerApp({ producerBatching: false });
    try {
      const kafkaService = await kafkaServiceOf(app);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          kafkaService.send({ topic, messages: [{ key: `k${i % 4}`, value: `v${i}` }] }),
        ),
      );
      const offsets = results.map(r => `${r[0].partition}:${r[0].baseOffset}`);
      expect(new Set(offsets).size).toBe(20);
      await readTopic(topic, 20);
    } finally {
      await close(app);
    }
  });

  it('passes transactions through to kafkajs when a transactionalId is set', async () => {
    const topic = await createTopic('producer-tx');
    const app = await startProducerApp({
      producerConfig: { transactionalId: uniqueName('tx') },
    });
    try {
      const kafkaService: KafkaService = await kafkaServiceOf(app);
      const aborted = await kafkaService.transaction();
      await aborted.send({ topic, messages: [{ value: 'aborted' }] });
      await aborted.abort();
      const committed = await kafkaService.transaction();
      await committed.send({ topic, messages: [{ value: 'committed' }] });
      await committed.commit();

      const consumer = testKafka().consumer({
        groupId: uniqueName('tx-reader'),
        readUncommitted: false,
      });
      const values: string[] = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => void values.push(String(message.value)),
        });
        await waitFor(() => values.length >= 1, 'the committed message');
      } finally {
        await consumer.disconnect();
      }
      expect(values).toEqual(['committed']);
    } finally {
      await close(app);
    }
  });
});
