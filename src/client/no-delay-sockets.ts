import { connect, isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/** kafkajs's keep-alive probe delay, kept as it was. */
const KEEP_ALIVE_MS = 60_000;

/**
 * kafkajs's connections with Nagle's algorithm off, as the Java client has them (it sets
 * TCP_NODELAY on every broker socket). kafkajs leaves Node's default, Nagle on: a request
 * written while an earlier one on the same connection is unacknowledged (a commit or heartbeat
 * behind a fetch, the next produce behind the last) waits for that acknowledgement, which the
 * broker may delay. Plain and TLS connections alike; a user's own `socketFactory` replaces it.
 */
export const noDelaySocketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : connect({ host, port }, onConnect);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, KEEP_ALIVE_MS);
  return socket;
};
