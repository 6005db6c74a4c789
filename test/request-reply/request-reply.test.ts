import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import {
  KafkaReplyError,
  KafkaRequestAbortedError,
  KafkaRequestTimeoutError,
  KafkaService,
  REPLY_HEADERS,
  type Application,
} from 'midway-kafka';
import {
  committedOffsets,
  consumeFromStart,
  produce,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { callsOf, names } from './fixtures/service/src/names';
import { createTopics } from './support/topics';

/** One app that both calls and answers, on a real broker. */
describe('request–reply', () => {
  const groupId = uniqueName('rr-service');
  const replyTopic = `${groupId}.reply`;
  let app: Application;
  let kafkaService: KafkaService;

  beforeAll(async () => {
    await createTopics({
      [names.echo]: 3,
      [names.text]: 1,
      [names.failing]: 1,
      [`${names.failing}.DLT`]: 1,
      [names.retried]: 1,
      [names.guarded]: 1,
      [names.filtered]: 1,
      [names.wrapped]: 1,
      [names.slow]: 1,
      [names.silent]: 1,
      [names.batched]: 1,
    });
    app = await startApp(fixture(__dirname, 'service'), {
      consumerConfig: { groupId },
      requestReply: {},
    });
    kafkaService = await app.getApplicationContext().getAsync(KafkaService);
  });
  afterAll(() => stopApp(app));

  const stats = () => kafkaService.requestStats()!;

  it('creates the reply topic at start and round-trips a request', async () => {
    expect(await withAdmin(admin => admin.listTopics())).toContain(replyTopic);
    const reply = await kafkaService.request(
      names.echo,
      { sku: 'a-1', quantity: 2 },
      { key: 'order-1', headers: { trace: 't-1' } },
    );
    expect(reply).toEqual({ echo: { sku: 'a-1', quantity: 2 }, key: 'order-1', trace: 't-1' });
    await expect(kafkaService.request(names.text, 'world')).resolves.toBe('hello world');
  });

  it('gives each of 1,000 parallel requests its own reply', async () => {
    const before = stats();
    const ids = Array.from({ length: 1000 }, (_, i) => `req-${i}`);
    const replies = await Promise.all(
      ids.map(id =>
        kafkaService.request<{ echo: { id: string } }>(names.echo, { id }, { key: id }),
      ),
    );
    expect(replies.map(reply => reply.echo.id)).toEqual(ids);
    const after = stats();
    expect(after.replied - before.replied).toBe(1000);
    expect(after.pending).toBe(0);
  });

  it('rejects with KafkaRequestTimeoutError when no reply comes in time', async () => {
    const call = kafkaService.request(names.silent, 'anyone?', { timeout: 300 });
    await expect(call).rejects.toBeInstanceOf(KafkaRequestTimeoutError);
    await expect(call).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', topic: names.silent });
  });

  it('warns once, naming the listener, when a batch listener gets requests (it does not answer them)', async () => {
    const log = join(fixture(__dirname, 'service'), 'logs', 'midway-kafka.log');
    const warning =
      /the batch listener ServiceConsumer\.batched got a request on "rr-batched[^"]*" \(offset \d+/g;
    const warnings = () =>
      existsSync(log) ? (readFileSync(log, 'utf8').match(warning)?.length ?? 0) : 0;
    const before = warnings();
    for (const value of ['b-1', 'b-2']) {
      const call = kafkaService.request(names.batched, value, { timeout: 300 });
      await expect(call).rejects.toBeInstanceOf(KafkaRequestTimeoutError);
      // Handled as an event all the same: nothing is lost.
      await waitFor(
        () => callsOf(names.batched, value) === 1,
        `the batch listener to get ${value}`,
      );
    }
    // And committed, as any event is (both requests, offsets 0 and 1).
    await waitFor(
      async () => (await committedOffsets(groupId, names.batched)).get(0) === 2,
      'the batch listener to commit both requests',
    );
    await waitFor(() => warnings() > before, 'the warning in midway-kafka.log');
    // Once per listener, not per request.
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(warnings()).toBe(before + 1);
  });

  it('drops and counts a reply that comes after its call timed out; the next call gets its own', async () => {
    const before = stats();
    await expect(
      kafkaService.request(names.slow, { id: 'late', delayMs: 1000 }, { timeout: 200 }),
    ).rejects.toBeInstanceOf(KafkaRequestTimeoutError);
    await waitFor(() => stats().lateReplies === before.lateReplies + 1, 'the late reply');
    await expect(kafkaService.request(names.slow, { id: 'on-time', delayMs: 0 })).resolves.toEqual({
      id: 'on-time',
    });
    expect(stats().timedOut).toBe(before.timedOut + 1);
  });

  it('drops and counts replies to other instances', async () => {
    const before = stats().foreignReplies;
    await produce(replyTopic, [
      {
        value: '{"not":"yours"}',
        headers: { [REPLY_HEADERS.correlationId]: 'another-instance-1' },
      },
      { value: 'no correlation id at all' },
    ]);
    await waitFor(() => stats().foreignReplies === before + 2, 'two foreign replies counted');
  });

  it('rejects with KafkaRequestAbortedError when its signal aborts, before or after sending', async () => {
    const controller = new AbortController();
    const call = kafkaService.request(
      names.slow,
      { id: 'aborted', delayMs: 500 },
      { signal: controller.signal },
    );
    controller.abort(new Error('the user went away'));
    await expect(call).rejects.toBeInstanceOf(KafkaRequestAbortedError);
    await expect(call).rejects.toMatchObject({
      code: 'REQUEST_ABORTED',
      cause: new Error('the user went away'),
    });
    const sent = stats().sent;
    await expect(
      kafkaService.request(names.echo, {}, { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'REQUEST_ABORTED' });
    expect(stats().sent).toBe(sent);
  });

  it("rejects with the replier's error (message and code), after one attempt and without dead-lettering", async () => {
    const value = uniqueName('sku');
    const call = kafkaService.request(names.failing, value);
    await expect(call).rejects.toBeInstanceOf(KafkaReplyError);
    await expect(call).rejects.toMatchObject({
      message: `no stock for ${value}`,
      code: 'OUT_OF_STOCK',
      remoteName: 'OutOfStockError',
    });
    expect(callsOf(names.failing, value)).toBe(1);
    // The same listener with an event (no reply headers): its retries, then the dead-letter topic.
    const event = uniqueName('event');
    await produce(names.failing, [{ value: event }]);
    const dead = await consumeFromStart(`${names.failing}.DLT`, 1, m => String(m.value));
    expect(dead).toEqual([event]);
    expect(callsOf(names.failing, event)).toBe(3);
    expect(callsOf(names.failing, value)).toBe(1);
  });

  it('retries a request only when its listener asks (requestRetry), and answers once', async () => {
    const value = uniqueName('flaky');
    const before = stats().lateReplies;
    await expect(kafkaService.request(names.retried, value)).resolves.toEqual({ attempt: 3 });
    expect(callsOf(names.retried, value)).toBe(3);
    // A second answer to the same request would be counted as late.
    await kafkaService.request(names.echo, { after: true });
    expect(stats().lateReplies).toBe(before);
  });

  it('runs guards, filters and middleware around a request like any listener', async () => {
    await expect(kafkaService.request(names.guarded, 'in', { key: 'ok' })).resolves.toBe(
      'allowed in',
    );
    const refused = kafkaService.request(names.guarded, 'in', { key: 'deny' });
    await expect(refused).rejects.toBeInstanceOf(KafkaReplyError);
    await expect(refused).rejects.toMatchObject({ remoteName: 'MidwayInvokeForbiddenError' });
    await expect(kafkaService.request(names.filtered, 'fly')).resolves.toEqual({
      handledBy: 'filter',
      problem: 'cannot fly',
    });
    await expect(kafkaService.request(names.wrapped, 'gift')).resolves.toEqual({ wrapped: 'gift' });
  });

  it('decodes replies as asked: auto (as NestJS does), json, string, raw or a function', async () => {
    await expect(kafkaService.request(names.text, '42')).resolves.toBe('hello 42');
    await expect(kafkaService.request(names.echo, 7, { deserializer: 'string' })).resolves.toBe(
      '{"echo":7,"key":null,"trace":null}',
    );
    const raw = await kafkaService.request<Buffer>(names.text, 'x', { deserializer: 'raw' });
    expect(Buffer.isBuffer(raw) && raw.toString()).toBe('hello x');
    await expect(
      kafkaService.request(names.text, 'y', {
        deserializer: (m: KafkaMessage) => m.headers?.[REPLY_HEADERS.disposed] !== undefined,
      }),
    ).resolves.toBe(true);
    await expect(
      kafkaService.request(names.text, 'z', { deserializer: 'json' }),
    ).rejects.toMatchObject({ code: 'DESERIALIZATION_FAILED' });
  });

  it('answers exactly to the reply topic and partition a NestJS-style request names', async () => {
    const nestReplies = uniqueName('nest-style.reply');
    await createTopics({ [nestReplies]: 3 });
    await produce(names.echo, [
      {
        value: '{"from":"nest"}',
        headers: {
          [REPLY_HEADERS.correlationId]: 'nest-correlation-1',
          [REPLY_HEADERS.replyTopic]: nestReplies,
          [REPLY_HEADERS.replyPartition]: '2',
        },
      },
    ]);
    const [reply] = await consumeFromStart(nestReplies, 1, (m, partition) => ({ m, partition }));
    expect(reply.partition).toBe(2);
    expect(String(reply.m.headers?.[REPLY_HEADERS.correlationId])).toBe('nest-correlation-1');
    expect(reply.m.headers?.[REPLY_HEADERS.disposed]).toBeDefined();
    expect(JSON.parse(String(reply.m.value))).toEqual({
      echo: { from: 'nest' },
      key: null,
      trace: null,
    });
  });

  it('answers a Spring-style request: binary correlation id copied as is, 4-byte partition', async () => {
    const springReplies = uniqueName('spring-style-replies');
    await createTopics({ [springReplies]: 3 });
    const correlation = randomBytes(16);
    const partition = Buffer.alloc(4);
    partition.writeInt32BE(1);
    await produce(names.failing, [
      {
        value: 'spring',
        headers: {
          [REPLY_HEADERS.correlationId]: correlation,
          [REPLY_HEADERS.replyTopic]: Buffer.from(springReplies),
          [REPLY_HEADERS.replyPartition]: partition,
        },
      },
    ]);
    const [reply] = await consumeFromStart(springReplies, 1, (m, p) => ({ m, p }));
    expect(reply.p).toBe(1);
    expect(
      Buffer.compare(reply.m.headers?.[REPLY_HEADERS.correlationId] as Buffer, correlation),
    ).toBe(0);
    expect(reply.m.value).toBeNull();
    expect(JSON.parse(String(reply.m.headers?.[REPLY_HEADERS.error]))).toEqual({
      status: 'error',
      message: 'no stock for spring',
      name: 'OutOfStockError',
      code: 'OUT_OF_STOCK',
    });
  });
});

describe('request–reply configuration and lifecycle', () => {
  it('request() without kafka.requestReply says what to set', async () => {
    const app = await startApp(fixture(__dirname, 'caller-only'), {
      consumerConfig: { groupId: uniqueName('rr-off') },
    });
    try {
      const kafkaService = await app.getApplicationContext().getAsync(KafkaService);
      await expect(kafkaService.request(names.echo, {})).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('kafka.requestReply'),
      });
      expect(kafkaService.requestStats()).toBeUndefined();
    } finally {
      await stopApp(app);
    }
  });

  it('fails start when the reply topic is missing and may not be created', async () => {
    const replyTopic = uniqueName('missing.reply');
    await expect(
      startApp(fixture(__dirname, 'caller-only'), {
        consumerConfig: { groupId: uniqueName('rr-missing') },
        requestReply: { replyTopic, createReplyTopic: false },
      }),
    ).rejects.toMatchObject({ code: 'START_FAILED', message: expect.stringContaining(replyTopic) });
    expect(await withAdmin(admin => admin.listTopics())).not.toContain(replyTopic);
  });

  it('on stop, rejects requests still waiting with STOPPED, then leaves and deletes its reply group', async () => {
    const groupId = uniqueName('rr-stop');
    const app = await startApp(fixture(__dirname, 'service'), {
      consumerConfig: { groupId },
      requestReply: {},
      shutdownTimeout: 500,
    });
    const kafkaService = await app.getApplicationContext().getAsync(KafkaService);
    const groups = async () =>
      (await withAdmin(admin => admin.listGroups())).groups.map(g => g.groupId);
    const replyGroup = (await groups()).find(g => g.startsWith(`${groupId}.reply-`));
    expect(replyGroup).toBeDefined();
    const waiting = kafkaService.request(names.silent, 'never answered', { timeout: 60_000 });
    waiting.catch(() => undefined);
    await waitFor(() => kafkaService.requestStats()?.pending === 1, 'the request to be pending');
    await stopApp(app);
    await expect(waiting).rejects.toMatchObject({
      code: 'STOPPED',
      message: expect.stringContaining('stopping'),
    });
    await expect(kafkaService.request(names.echo, {})).rejects.toMatchObject({ code: 'STOPPED' });
    expect(await groups()).not.toContain(replyGroup);
  });
});
