import { createServer, type Server } from 'node:net';
import { localKafkaError } from './errors';

export const LOCALHOST = '127.0.0.1';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: LOCALHOST, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise(resolve => server.close(() => resolve()));
}

/**
 * `count` distinct ports the OS reports free on 127.0.0.1. All are held open together so the
 * OS cannot hand out the same port twice, then released for the broker to bind.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(0));
    return servers.map(server => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** Fails with PORT_IN_USE when something already listens on `port` on 127.0.0.1. */
export async function assertPortFree(port: number): Promise<void> {
  try {
    await close(await listen(port));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw localKafkaError(
        'PORT_IN_USE',
        `Port ${port} on ${LOCALHOST} is ${code === 'EACCES' ? 'not allowed' : 'already in use'}`,
        `stop whatever listens there, pass another port (--port / port option) or none to use free ports`,
        undefined,
        error,
      );
    }
    throw error;
  }
}
