import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import type { ILogger } from '@midwayjs/core';
import type { ISocketFactory } from 'kafkajs';
import { createKafkaClient } from '../../src/client/create-kafka';
import { noDelaySocketFactory } from '../../src/client/no-delay-sockets';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as unknown as ILogger;

/** Nagle's algorithm off on kafkajs's connections, as the Java client has it. */
describe('kafkajs sockets without Nagle', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // Accepts and at once closes: enough for a connection to be made, never a Kafka broker.
    server = createServer(socket => socket.destroy());
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));
  afterEach(() => jest.restoreAllMocks());

  it('connects with TCP_NODELAY set and calls back once connected', async () => {
    const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
    let socket: Socket | undefined;
    await new Promise<void>(resolve => {
      socket = noDelaySocketFactory({
        host: '127.0.0.1',
        port,
        ssl: undefined!,
        onConnect: resolve,
      });
    });
    expect(noDelay.mock.contexts).toContain(socket);
    expect(noDelay.mock.calls[noDelay.mock.contexts.indexOf(socket)]).toEqual([true]);
    socket!.destroy();
  });

  it('is what the framework’s clients connect with, unless the user brings a socketFactory', async () => {
    const connectWith = async (socketFactory?: ISocketFactory) => {
      const kafka = createKafkaClient(
        {
          clientId: 'no-delay',
          brokers: [`127.0.0.1:${port}`],
          retry: { retries: 0 },
          ...(socketFactory ? { socketFactory } : {}),
        },
        quiet,
      );
      const admin = kafka.admin();
      await admin.connect().catch(() => undefined);
    };
    const noDelay = jest.spyOn(Socket.prototype, 'setNoDelay');
    await connectWith();
    expect(noDelay).toHaveBeenCalledWith(true);

    noDelay.mockClear();
    const own = jest.fn<Socket, Parameters<ISocketFactory>>(({ host, port: p, onConnect }) => {
      const socket = new Socket();
      return socket.connect({ host, port: p }, onConnect);
    });
    await connectWith(own);
    expect(own).toHaveBeenCalled();
    expect(noDelay).not.toHaveBeenCalled();
  });
});
