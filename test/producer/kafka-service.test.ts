import type { RecordMetadata } from 'kafkajs';
import type { KafkaService } from 'midway-kafka';
import { createTopic, uniqueName } from '../helpers/kafka';
import { readTopic, recordsInTopic, useProducerApp } from './helpers';

/** The offset of a single-message call. */
function offsetOf(metadata: RecordMetadata[]): string {
  expect(metadata).toHaveLength(1);
  return metadata[0].baseOffset as string;
}

describe('KafkaService on a real broker', () => {
  const producer = useProducerApp();
  let kafkaService: KafkaService;
  beforeAll(() => {
    kafkaService = producer.kafkaService;
  });

  it('sends the seed way, through an injected service, and the message is consumed', async () => {
    const topic = await createTopic('producer-seed');
    const sender = await producer.app.getApplicationContext().getAsync<{
      sendTest(topic: string, value: unknown): Promise<RecordMetadata[]>;
    }>('senderService');
    const messageValue = { id: 1, name: 'seed' };
    const metadata = await sender.sendTest(topic, messageValue);
    expect(metadata).toEqual([
      expect.objectContaining({ topicName: topic, partition: 0, baseOffset: '0', errorCode: 0 }),
    ]);
    const [consumed] = await readTopic(topic, 1);
    expect(JSON.parse(String(consumed.value))).toEqual(messageValue);
  });

  it('emits objects as JSON, strings and Buffers as they are, null as a tombstone, with headers, key and timestamp', async () => {
    const topic = await createTopic('producer-emit');
    const timestamp = Date.UTC(2024, 0, 2, 3, 4, 5);
    const results = await Promise.all([
      kafkaService.emit(
        topic,
        { order: 7, items: ['a', 'b'], nested: { ok: true } },
        {
          key: 'order-7',
          headers: { source: 'test', trace: Buffer.from([1, 2, 3]) },
          timestamp,
        },
      ),
      kafkaService.emit(topic, 'plain text', { key: 'k-text' }),
      kafkaService.emit(topic, Buffer.from([0, 255, 16])),
      kafkaService.emit(topic, 42),
      kafkaService.emit(topic, null, { key: 'order-7' }),
    ]);
    const offsets = results.map(offsetOf);
    expect(offsets).toEqual(['0', '1', '2', '3', '4']);

    const consumed = await readTopic(topic, 5);
    const byOffset = new Map(consumed.map(m => [m.offset, m]));
    const json = byOffset.get('0')!;
    expect(JSON.parse(String(json.value))).toEqual({
      order: 7,
      items: ['a', 'b'],
      nested: { ok: true },
    });
    expect(json.key).toBe('order-7');
    expect(String(json.headers.source)).toBe('test');
    expect(json.headers.trace).toEqual(Buffer.from([1, 2, 3]));
    expect(json.timestamp).toBe(String(timestamp));
    expect(String(byOffset.get('1')!.value)).toBe('plain text');
    expect(byOffset.get('2')!.value).toEqual(Buffer.from([0, 255, 16]));
    expect(String(byOffset.get('3')!.value)).toBe('42');
    expect(byOffset.get('4')!.value).toBeNull();
    expect(byOffset.get('4')!.key).toBe('order-7');
  });

  it('lets keys drive partitioning and honours an explicit partition', async () => {
    const topic = await createTopic('producer-keys', 4);
    const keys = Array.from({ length: 20 }, (_, i) => `customer-${i}`);
    const sends = keys.flatMap(key =>
      [1, 2, 3].map(n => kafkaService.emit(topic, { key, n }, { key })),
    );
    const pinned = kafkaService.emit(topic, 'pinned', { partition: 3 });
    const metadata = await Promise.all(sends);
    expect((await pinned)[0].partition).toBe(3);

    const partitionOfKey = new Map<string, Set<number>>();
    for (const [i, result] of metadata.entries()) {
      const key = keys[Math.floor(i / 3)];
      const set = partitionOfKey.get(key) ?? new Set<number>();
      set.add(result[0].partition);
      partitionOfKey.set(key, set);
    }
    for (const set of partitionOfKey.values()) expect(set.size).toBe(1);
    // 20 keys over 4 partitions: the murmur2 partitioner spreads them.
    expect(new Set(metadata.map(m => m[0].partition)).size).toBeGreaterThan(1);

    const consumed = await readTopic(topic, keys.length * 3 + 1);
    for (const message of consumed) {
      if (message.key === null) {
        expect(message.partition).toBe(3);
        continue;
      }
      expect([...partitionOfKey.get(message.key)!]).toEqual([message.partition]);
    }
  });

  it('resolves 10,000 concurrent sends each with its own offset, and each message is consumed exactly once', async () => {
    const topic = await createTopic('producer-10k', 3);
    const count = 10_000;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        kafkaService.send({ topic, messages: [{ value: `m-${i}` }] }),
      ),
    );
    const sentAt = new Map<string, string>();
    results.forEach((metadata, i) => {
      expect(metadata).toHaveLength(1);
      sentAt.set(`${metadata[0].partition}:${metadata[0].baseOffset}`, `m-${i}`);
    });
    expect(sentAt.size).toBe(count);

    const consumed = await readTopic(topic, count);
    const seen = new Set<string>();
    for (const message of consumed) {
      const value = String(message.value);
      expect(seen.has(value)).toBe(false);
      seen.add(value);
      // The offset each call resolved with is where the broker put that very message.
      expect(sentAt.get(`${message.partition}:${message.offset}`)).toBe(value);
    }
    expect(seen.size).toBe(count);
  });

  it('maps multi-message calls spread over partitions back to their own first offsets', async () => {
    const topic = await createTopic('producer-multi', 3);
    const calls = Array.from({ length: 50 }, (_, c) =>
      Array.from({ length: 7 }, (_, i) => ({ value: `c${c}-m${i}` })),
    );
    const results = await Promise.all(
      calls.map(messages => kafkaService.send({ topic, messages })),
    );
    const consumed = await readTopic(topic, 50 * 7);
    const where = new Map(consumed.map(m => [String(m.value), m]));
    results.forEach((metadata, c) => {
      // Per partition the call's messages are consecutive, starting at the reported baseOffset.
      for (const entry of metadata) {
        const mine = calls[c]
          .map(m => where.get(m.value)!)
          .filter(m => m.partition === entry.partition)
          .map(m => Number(m.offset));
        expect(mine.length).toBeGreaterThan(0);
        expect(mine[0]).toBe(Number(entry.baseOffset));
        mine.forEach((offset, k) => expect(offset).toBe(mine[0] + k));
      }
      const partitionsUsed = new Set(calls[c].map(m => where.get(m.value)!.partition));
      expect(metadata.map(m => m.partition).sort()).toEqual([...partitionsUsed].sort());
    });
  });

  it('keeps the order in which concurrent calls to one partition were made', async () => {
    const topic = await createTopic('producer-order', 2);
    const count = 3000;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        kafkaService.send({ topic, messages: [{ key: 'same-key', value: String(i) }] }),
      ),
    );
    const offsets = results.map(r => Number(offsetOf(r)));
    offsets.forEach((offset, i) => expect(offset).toBe(offsets[0] + i));
    const consumed = await readTopic(topic, count);
    const values = consumed
      .sort((a, b) => Number(a.offset) - Number(b.offset))
      .map(m => Number(String(m.value)));
    expect(values).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it('sends a multi-topic sendBatch and returns every topic’s offsets', async () => {
    const [a, b] = await Promise.all([
      createTopic('producer-batch-a'),
      createTopic('producer-batch-b'),
    ]);
    const result = await kafkaService.sendBatch({
      topicMessages: [
        { topic: a, messages: [{ value: 'a1' }, { value: 'a2' }] },
        { topic: b, messages: [{ value: 'b1' }] },
      ],
    });
    expect(result).toEqual([
      expect.objectContaining({ topicName: a, partition: 0, baseOffset: '0' }),
      expect.objectContaining({ topicName: b, partition: 0, baseOffset: '0' }),
    ]);
    expect(await recordsInTopic(a)).toBe(2);
    expect(await recordsInTopic(b)).toBe(1);
  });

  it('rejects values that cannot be serialised before sending, without failing the rest of the batch', async () => {
    const topic = await createTopic('producer-bad-values');
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const outcomes = await Promise.allSettled([
      kafkaService.emit(topic, { n: 1 }),
      kafkaService.emit(topic, circular),
      kafkaService.emit(topic, { n: 2 }),
      kafkaService.emit(topic, { big: BigInt(10) }),
      kafkaService.send({ topic, messages: [{ value: { raw: 'object' } as unknown as string }] }),
      kafkaService.send({
        topic,
        messages: [{ value: 'ok' }, { value: 'x', headers: { h: 5 as unknown as string } }],
      }),
      kafkaService.emit(topic, { n: 3 }),
    ]);
    expect(outcomes.map(o => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    for (const index of [1, 3, 4, 5]) {
      const reason = (outcomes[index] as PromiseRejectedResult).reason;
      expect(reason).toMatchObject({ code: 'SERIALIZATION_FAILED', topic });
      expect(reason.message).toContain(topic);
    }
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toMatch(/circular/i);
    expect((outcomes[3] as PromiseRejectedResult).reason.message).toMatch(/BigInt/i);
    // Only the three good calls reached the broker: the bad multi-message call sent nothing.
    const consumed = await readTopic(topic, 3);
    expect(consumed.map(m => JSON.parse(String(m.value)).n).sort()).toEqual([1, 2, 3]);
  });

  it('rejects acks other than -1 on the idempotent producer, naming the setting', async () => {
    await expect(
      kafkaService.send({ topic: uniqueName('never'), acks: 1, messages: [{ value: 'x' }] }),
    ).rejects.toThrow(/kafka\.producerConfig\.idempotent/);
  });

  it('exposes the raw kafkajs producer and refuses transactions without a transactionalId', async () => {
    expect(typeof kafkaService.producer?.send).toBe('function');
    expect(kafkaService.producer?.isIdempotent()).toBe(true);
    await expect(kafkaService.transaction()).rejects.toThrow(
      /kafka\.producerConfig\.transactionalId/,
    );
  });
});
