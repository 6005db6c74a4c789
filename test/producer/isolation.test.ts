import type { Message, RecordMetadata } from 'kafkajs';
import type { KafkaService } from 'midway-kafka';
import { createTopic, waitFor } from '../helpers/kafka';
import { readTopic, recordsInTopic, useProducerApp, type ConsumedMessage } from './helpers';

/** Callers, each sending its own messages at the same time, so their sends share requests. */
type Calls = Message[][];

/** Sends every call concurrently; the outcome of each, in call order. */
function sendAll(
  kafkaService: KafkaService,
  topic: string,
  calls: Calls,
): Promise<PromiseSettledResult<RecordMetadata[]>[]> {
  return Promise.allSettled(calls.map(messages => kafkaService.send({ topic, messages })));
}

/**
 * Checks that every call but `badAt` resolved and that the topic holds exactly their messages,
 * once each, at the offsets the calls resolved with (it may hold `alreadyThere` records before).
 */
async function expectWrittenOnce(
  topic: string,
  calls: Calls,
  outcomes: PromiseSettledResult<RecordMetadata[]>[],
  badAt: number,
  alreadyThere: number,
): Promise<void> {
  const expected = new Map<string, string>();
  outcomes.forEach((outcome, i) => {
    if (i === badAt) return;
    expect(outcome).toMatchObject({ status: 'fulfilled' });
    const [metadata] = (outcome as PromiseFulfilledResult<RecordMetadata[]>).value;
    expected.set(`${metadata.partition}:${metadata.baseOffset}`, String(calls[i][0].value));
  });
  expect(expected.size).toBe(calls.length - 1);
  // readTopic checks that the topic holds exactly this many records.
  const consumed = await readTopic(topic, alreadyThere + expected.size);
  const found = new Map(consumed.map(m => [`${m.partition}:${m.offset}`, String(m.value)]));
  for (const [at, value] of expected) expect([at, found.get(at)]).toEqual([at, value]);
}

function reasonOf(outcome: PromiseSettledResult<unknown>): Error & Record<string, unknown> {
  expect(outcome.status).toBe('rejected');
  return (outcome as PromiseRejectedResult).reason;
}

/** Waits until the service refuses `message` itself (it has read the topic's limits by then). */
async function waitForCheckBeforeSending(
  kafkaService: KafkaService,
  topic: string,
  message: Message,
): Promise<void> {
  await waitFor(async () => {
    const error = await kafkaService.send({ topic, messages: [message] }).catch(e => e as Error);
    return error instanceof Error && error.message.startsWith('Message 0 for Kafka topic');
  }, `KafkaService to check records against the limits of ${topic}`);
}

describe('KafkaService fails only the call whose records Kafka refuses', () => {
  const producer = useProducerApp();
  let kafkaService: KafkaService;
  beforeAll(() => {
    kafkaService = producer.kafkaService;
  });

  /**
   * 120 concurrent one-message calls and `bad` among them: all but `bad` must resolve, with
   * their messages written once at the offsets they resolved with. Returns `bad`'s error.
   */
  async function onlyBadCallFails(
    topic: string,
    bad: Message,
    alreadyThere = 0,
  ): Promise<Error & Record<string, unknown>> {
    const calls: Calls = Array.from({ length: 120 }, (_, i) => [
      { key: `key-${i}`, value: `good-${i}` },
    ]);
    calls.splice(60, 0, [bad]);
    const outcomes = await sendAll(kafkaService, topic, calls);
    await expectWrittenOnce(topic, calls, outcomes, 60, alreadyThere);
    return reasonOf(outcomes[60]);
  }

  it('a record too large for the topic fails its own call only; the others are written once', async () => {
    const topic = await createTopic('isolate-large', 3, 1, [
      { name: 'max.message.bytes', value: '4096' },
    ]);
    const big: Message = { key: 'big', value: 'x'.repeat(8000) };

    // The service has not read the topic's limits yet: the broker refuses the shared request.
    const refused = await onlyBadCallFails(topic, big);
    expect(refused).toMatchObject({ code: 'RECORD_TOO_LARGE', topic, written: [] });
    expect(refused.message).toMatch(/^Kafka refused a record for topic ".+" \(MESSAGE_TOO_LARGE\)/);
    expect(refused.message).toContain(`"${topic}"`);
    expect(refused.message).toContain('max.message.bytes');

    // Once it knows them, it refuses the record before it shares a request.
    await waitForCheckBeforeSending(kafkaService, topic, big);
    const early = await onlyBadCallFails(topic, big, 120);
    expect(early).toMatchObject({ code: 'RECORD_TOO_LARGE', topic, written: [] });
    expect(early.message).toMatch(/^Message 0 for Kafka topic ".+" has 8003 bytes/);
    expect(early.message).toContain('max.message.bytes');
  });

  it('a record without a key on a compacted topic fails its own call only; the others are written once', async () => {
    const topic = await createTopic('isolate-compact', 3, 1, [
      { name: 'cleanup.policy', value: 'compact' },
    ]);
    const keyless: Message = { value: 'no key' };

    const refused = await onlyBadCallFails(topic, keyless);
    expect(refused).toMatchObject({ code: 'RECORD_INVALID', topic, written: [] });
    expect(refused.message).toMatch(/^Kafka refused a record for topic ".+" \(INVALID_RECORD\)/);
    expect(refused.message).toContain('cleanup.policy=compact');

    await waitForCheckBeforeSending(kafkaService, topic, keyless);
    const early = await onlyBadCallFails(topic, keyless, 120);
    expect(early).toMatchObject({ code: 'RECORD_INVALID', topic, written: [] });
    expect(early.message).toContain('has no key');
  });

  it('reports which messages of a refused call spread over partitions were written', async () => {
    // The broker refuses timestamps older than an hour; before the service has read that from
    // the topic, nothing checks it before sending.
    const topic = await createTopic('isolate-timestamp', 3, 1, [
      { name: 'message.timestamp.before.max.ms', value: '3600000' },
    ]);
    const mixed: Message[] = [
      { partition: 0, value: 'mixed-0' },
      { partition: 1, value: 'mixed-1', timestamp: String(Date.UTC(2000, 0, 1)) },
      { partition: 2, value: 'mixed-2' },
    ];
    const calls: Calls = Array.from({ length: 90 }, (_, i) => [{ value: `good-${i}` }]);
    calls.splice(45, 0, mixed);
    const outcomes = await sendAll(kafkaService, topic, calls);

    outcomes.forEach((outcome, i) => {
      if (i !== 45) expect(outcome.status).toBe('fulfilled');
    });
    const error = reasonOf(outcomes[45]);
    expect(error).toMatchObject({ code: 'RECORD_INVALID', topic, written: [0, 2] });
    expect(error.message).toContain('message.timestamp.before.max.ms');
    const values = (await readTopic(topic, 92)).map(m => String(m.value)).sort();
    const expected = [...calls.flat().map(m => String(m.value))].filter(v => v !== 'mixed-1');
    expect(values).toEqual(expected.sort());

    // Once it has, the call fails before any of it is sent.
    await waitForCheckBeforeSending(kafkaService, topic, mixed[1]);
    await expect(kafkaService.send({ topic, messages: mixed })).rejects.toMatchObject({
      code: 'RECORD_INVALID',
      written: [],
      message: expect.stringMatching(/^Message 1 for Kafka topic .* has the timestamp/),
    });
    expect(await recordsInTopic(topic)).toBe(92);
  });

  it('writes a call too large for one request in parts, complete and in order', async () => {
    const topic = await createTopic('isolate-parts', 3, 1, [
      { name: 'max.message.bytes', value: '16384' },
    ]);
    const count = 3000;
    const messages = Array.from({ length: count }, (_, i) => ({
      key: `k-${i % 50}`,
      value: `${i}:${'v'.repeat(100)}`,
    }));
    const metadata = await kafkaService.send({ topic, messages });

    const consumed = await readTopic(topic, count);
    expectInOrderOnce(consumed, count);
    // As kafkajs reports one send: per partition, in order of first use, the offset of the
    // call's first message there.
    const firstIn = new Map<number, ConsumedMessage>();
    for (const m of [...consumed].sort((a, b) => indexOf(a) - indexOf(b))) {
      if (!firstIn.has(m.partition)) firstIn.set(m.partition, m);
    }
    expect(metadata.map(m => [m.partition, m.baseOffset])).toEqual(
      [...firstIn.values()].map(m => [m.partition, m.offset]),
    );
  });
});

function indexOf(message: ConsumedMessage): number {
  return Number(String(message.value).split(':')[0]);
}

/** Every index 0…count-1 once, and per partition in ascending order of offsets. */
function expectInOrderOnce(consumed: ConsumedMessage[], count: number): void {
  const indexes = consumed.map(indexOf);
  expect(new Set(indexes).size).toBe(count);
  const byPartition = new Map<number, ConsumedMessage[]>();
  for (const m of consumed)
    byPartition.set(m.partition, [...(byPartition.get(m.partition) ?? []), m]);
  for (const list of byPartition.values()) {
    const ordered = list.sort((a, b) => Number(a.offset) - Number(b.offset)).map(indexOf);
    expect(ordered).toEqual([...ordered].sort((a, b) => a - b));
  }
}
