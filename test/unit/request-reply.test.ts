import type { KafkaMessage } from 'kafkajs';
import { KafkaReplyError, KafkaRequestTimeoutError, REPLY_HEADERS } from 'midway-kafka';
import { resolveRequestReplySettings } from '../../src/request-reply/options';
import { PendingRequests } from '../../src/request-reply/pending-requests';
import {
  buildReply,
  decodeAuto,
  decodeReplyPartition,
  readReply,
  replyAddressOf,
} from '../../src/request-reply/wire';

const message = (value: string | Buffer | null, headers: KafkaMessage['headers'] = {}) =>
  ({
    key: null,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    timestamp: '0',
    attributes: 0,
    offset: '0',
    headers,
  }) as KafkaMessage;

describe('request–reply wire format', () => {
  it('a message is a request only with both a correlation id and a reply topic', () => {
    expect(replyAddressOf(message('x'))).toBeUndefined();
    expect(
      replyAddressOf(message('x', { [REPLY_HEADERS.correlationId]: Buffer.from('c') })),
    ).toBeUndefined();
    expect(
      replyAddressOf(
        message('x', {
          [REPLY_HEADERS.correlationId]: Buffer.from('c'),
          [REPLY_HEADERS.replyTopic]: Buffer.from('t.reply'),
        }),
      ),
    ).toEqual({ topic: 't.reply', partition: undefined, correlationId: Buffer.from('c') });
  });

  it('reads the reply partition as NestJS (decimal text) and Spring (4-byte int) write it', () => {
    const int = (n: number) => {
      const buffer = Buffer.alloc(4);
      buffer.writeInt32BE(n);
      return buffer;
    };
    expect(decodeReplyPartition(Buffer.from('0'))).toBe(0);
    expect(decodeReplyPartition(Buffer.from('12'))).toBe(12);
    expect(decodeReplyPartition(int(0))).toBe(0);
    expect(decodeReplyPartition(int(48))).toBe(48);
    expect(decodeReplyPartition(int(-1))).toBeUndefined();
    expect(decodeReplyPartition(Buffer.from('x'))).toBeUndefined();
    expect(decodeReplyPartition(undefined)).toBeUndefined();
  });

  it('builds replies NestJS reads: value as NestJS serialises it, disposed header, error as JSON', () => {
    const address = { topic: 'r', partition: 2, correlationId: 'c-1' };
    const ok = buildReply(address, { value: { a: 1 } });
    expect(ok).toMatchObject({ value: '{"a":1}', partition: 2 });
    expect(ok.headers?.[REPLY_HEADERS.correlationId]).toBe('c-1');
    expect(ok.headers?.[REPLY_HEADERS.disposed]).toEqual(Buffer.alloc(1));
    expect(buildReply(address, { value: 'text' }).value).toBe('text');
    expect(buildReply(address, { value: undefined }).value).toBeNull();
    expect(buildReply(address, { value: 5 }).value).toBe('5');
    class Refused extends Error {
      code = 42;
    }
    const failed = buildReply({ ...address, partition: undefined }, { error: new Refused('no') });
    expect(failed.partition).toBeUndefined();
    expect(failed.value).toBeNull();
    expect(JSON.parse(String(failed.headers?.[REPLY_HEADERS.error]))).toEqual({
      status: 'error',
      message: 'no',
      name: 'Refused',
      code: 42,
    });
  });

  it("reads NestJS's error replies: JSON objects and plain text", () => {
    const withError = (error: string) =>
      readReply(
        message(null, {
          [REPLY_HEADERS.correlationId]: Buffer.from('c'),
          [REPLY_HEADERS.error]: Buffer.from(error),
        }),
      );
    expect(withError('{"status":"error","message":"Internal server error"}')).toEqual({
      correlationId: 'c',
      error: { status: 'error', message: 'Internal server error' },
    });
    expect(withError('{"code":"E1","message":"bad"}')?.error).toMatchObject({
      code: 'E1',
      message: 'bad',
    });
    expect(withError('just text')?.error).toEqual({ status: 'error', message: 'just text' });
    expect(readReply(message('x'))).toBeUndefined();
  });

  it("decodes 'auto' as NestJS's client does", () => {
    expect(decodeAuto(message(null))).toBeNull();
    expect(decodeAuto(message('{"a":[1]}'))).toEqual({ a: [1] });
    expect(decodeAuto(message('[1,2]'))).toEqual([1, 2]);
    expect(decodeAuto(message('{not json'))).toBe('{not json');
    expect(decodeAuto(message('42'))).toBe('42');
    const framed = Buffer.from([0, 1, 2]);
    expect(decodeAuto(message(framed))).toBe(framed);
  });
});

describe('kafka.requestReply settings', () => {
  it('defaults: off when unset; reply topic from the group (or client id), bounded timeout', () => {
    expect(resolveRequestReplySettings({})).toBeUndefined();
    expect(
      resolveRequestReplySettings({
        consumerConfig: { groupId: 'shop' },
        kafkaConfig: { brokers: ['b:1'], clientId: 'c' },
        requestReply: {},
      }),
    ).toEqual({
      replyTopic: 'shop.reply',
      createReplyTopic: true,
      replyTopicPartitions: -1,
      replyTopicReplicationFactor: -1,
      timeout: 30_000,
    });
    expect(
      resolveRequestReplySettings({
        kafkaConfig: { brokers: ['b:1'], clientId: 'c' },
        requestReply: {},
      })?.replyTopic,
    ).toBe('c.reply');
  });

  it('names the setting to fix', () => {
    expect(() => resolveRequestReplySettings({ requestReply: {} })).toThrow(
      /kafka\.requestReply\.replyTopic/,
    );
    expect(() =>
      resolveRequestReplySettings({ requestReply: { replyTopic: 'r', timeout: 0 } }),
    ).toThrow(/kafka\.requestReply\.timeout/);
    expect(() =>
      resolveRequestReplySettings({ requestReply: { replyTopic: 'r', timeout: Infinity } }),
    ).toThrow(/kafka\.requestReply\.timeout/);
    expect(() =>
      resolveRequestReplySettings({ requestReply: { replyTopic: 'r', replyTopicPartitions: 0 } }),
    ).toThrow(/replyTopicPartitions/);
  });
});

describe('PendingRequests', () => {
  const reply = (correlationId: string, value = '"ok"', error?: string) =>
    message(value, {
      [REPLY_HEADERS.correlationId]: Buffer.from(correlationId),
      ...(error ? { [REPLY_HEADERS.error]: Buffer.from(error) } : {}),
    });
  const open = (pending: PendingRequests, id: string, timeoutMs = 60_000) =>
    new Promise((resolve, reject) =>
      pending.open(id, {
        topic: 't',
        timeoutMs,
        deserializer: decodeAuto,
        signal: undefined,
        resolve,
        reject,
      }),
    );

  it('hands each reply to its own call only; late and foreign replies are counted, not delivered', async () => {
    const pending = new PendingRequests();
    const first = pending.nextCorrelationId();
    const second = pending.nextCorrelationId();
    expect(first).not.toBe(second);
    const calls = [open(pending, first), open(pending, second)];
    pending.deliver(reply(second, 'two'), 'r', 0);
    pending.deliver(reply('someone-else-1'), 'r', 0);
    pending.deliver(reply(first, 'one'), 'r', 0);
    pending.deliver(reply(first, 'again'), 'r', 0);
    await expect(Promise.all(calls)).resolves.toEqual(['one', 'two']);
    expect(pending.stats()).toMatchObject({
      pending: 0,
      sent: 2,
      replied: 2,
      lateReplies: 1,
      foreignReplies: 1,
    });
  });

  it('rejects with the error reply, or after the timeout', async () => {
    const pending = new PendingRequests();
    const failing = pending.nextCorrelationId();
    const call = open(pending, failing);
    pending.deliver(reply(failing, '', '{"message":"no","code":"E"}'), 'r', 0);
    await expect(call).rejects.toBeInstanceOf(KafkaReplyError);
    await expect(call).rejects.toMatchObject({ message: 'no', code: 'E' });
    const silent = pending.nextCorrelationId();
    await expect(open(pending, silent, 10)).rejects.toBeInstanceOf(KafkaRequestTimeoutError);
    pending.deliver(reply(silent), 'r', 0);
    expect(pending.stats()).toMatchObject({ errorReplies: 1, timedOut: 1, lateReplies: 1 });
    await expect(pending.drained()).resolves.toBeUndefined();
  });
});
