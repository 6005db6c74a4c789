import { CompressionTypes } from 'kafkajs';
import { estimateRecordBytes, prepareMessages } from '../../src/producer/messages';
import { refuseCall, requestByteCap } from '../../src/producer/record-checks';
import { TopicLimitsCache, type TopicLimits } from '../../src/producer/topic-limits';

const limits = (maxMessageBytes: number, compacted = false): TopicLimits => ({
  maxMessageBytes,
  compacted,
  timestamps: undefined,
});

describe('checks against a topic’s limits', () => {
  it('notes the largest message and the first one without a key', () => {
    const prepared = prepareMessages('t', [
      { key: 'k', value: 'abc' },
      { value: 'x'.repeat(10), headers: { h: 'yy' } },
      { key: null, value: null },
    ]);
    expect(prepared.largestPayload).toBe(13);
    expect(prepared.keylessAt).toBe(1);
    const estimated = prepared.messages.reduce((sum, m) => sum + estimateRecordBytes(m), 0);
    expect(estimated).toBe(prepared.bytes);
  });

  it('refuses a message certainly too large, naming the topic, the message and the setting', () => {
    const call = prepareMessages('orders', [{ value: 'ok' }, { value: 'x'.repeat(2000) }]);
    const error = refuseCall('orders', call, limits(1024), undefined);
    expect(error).toMatchObject({ code: 'RECORD_TOO_LARGE', topic: 'orders', written: [] });
    expect(error?.message).toMatch(/^Message 1 for Kafka topic "orders" has 2000 bytes/);
    expect(error?.message).toContain('max.message.bytes');
    expect(refuseCall('orders', call, limits(4096), undefined)).toBeUndefined();
  });

  it('lets a message that may fit once compressed go: the broker decides', () => {
    const call = prepareMessages('t', [{ value: 'x'.repeat(2000) }]);
    expect(refuseCall('t', call, limits(1024), CompressionTypes.GZIP)).toBeUndefined();
    expect(refuseCall('t', call, limits(1024), CompressionTypes.None)).toBeDefined();
  });

  it('refuses a message without a key on a compacted topic only', () => {
    const call = prepareMessages('t', [{ key: 'a', value: '1' }, { value: '2' }]);
    expect(refuseCall('t', call, limits(1 << 20, true), undefined)).toMatchObject({
      code: 'RECORD_INVALID',
      message: expect.stringContaining('Message 1 for Kafka topic "t" has no key'),
    });
    expect(refuseCall('t', call, limits(1 << 20, false), undefined)).toBeUndefined();
  });

  it('refuses a timestamp certainly out of the topic’s range, leaving the rest to the broker', () => {
    const hour = 3_600_000;
    const bounded = { ...limits(1 << 20), timestamps: { beforeMaxMs: hour, afterMaxMs: hour } };
    const call = (...offsets: number[]) =>
      prepareMessages(
        't',
        offsets.map(offset => ({ value: 'v', timestamp: String(Date.now() + offset) })),
      );
    expect(refuseCall('t', call(0, -hour + 1000, hour - 1000), bounded, undefined)).toBeUndefined();
    // Within our allowance for clock skew: the broker decides.
    expect(refuseCall('t', call(hour + 60_000), bounded, undefined)).toBeUndefined();
    expect(refuseCall('t', call(0, -2 * hour), bounded, undefined)).toMatchObject({
      code: 'RECORD_INVALID',
      message: expect.stringMatching(/^Message 1 for Kafka topic "t" has the timestamp/),
    });
    expect(refuseCall('t', call(2 * hour), bounded, undefined)?.message).toContain(
      'message.timestamp.after.max.ms',
    );
    expect(refuseCall('t', call(-2 * hour), limits(1 << 20), undefined)).toBeUndefined();
    expect(
      refuseCall('t', prepareMessages('t', [{ value: 'no timestamp' }]), bounded, undefined),
    ).toBeUndefined();
  });

  it('bounds a request by the topic’s max.message.bytes when that is below maxBatchBytes', () => {
    expect(requestByteCap(768 * 1024, undefined)).toBe(768 * 1024);
    expect(requestByteCap(768 * 1024, limits(10_000))).toBe(10_000 - 61);
    expect(requestByteCap(1000, limits(1 << 20))).toBe(1000);
  });
});

describe('topic limits cache', () => {
  function cacheWith(answers: (TopicLimits | Error)[]) {
    let now = 1_000_000;
    const lookups: string[] = [];
    const cache = new TopicLimitsCache(
      async topic => {
        lookups.push(topic);
        const answer = answers.shift();
        if (!answer || answer instanceof Error) throw answer ?? new Error('no answer');
        return answer;
      },
      () => now,
    );
    return { cache, lookups, advance: (ms: number) => (now += ms) };
  }
  const settle = () => new Promise(resolve => setImmediate(resolve));

  it('looks a topic up once, in the background, and again only when the limits are old', async () => {
    const { cache, lookups, advance } = cacheWith([limits(100), limits(200)]);
    expect(cache.get('t')).toBeUndefined();
    cache.refreshIfDue('t');
    cache.refreshIfDue('t');
    await settle();
    expect(cache.get('t')).toEqual(limits(100));
    cache.refreshIfDue('t');
    await settle();
    expect(lookups).toEqual(['t']);
    advance(5 * 60_000 + 1);
    cache.refreshIfDue('t');
    await settle();
    expect(cache.get('t')).toEqual(limits(200));
    expect(lookups).toEqual(['t', 't']);
  });

  it('reads the limits again after a refusal, but not more often than every 10 s', async () => {
    const { cache, lookups, advance } = cacheWith([limits(100), limits(50), limits(40)]);
    cache.refreshIfDue('t');
    await settle();
    cache.invalidate('t');
    await settle();
    expect(cache.get('t')).toEqual(limits(100));
    advance(10_000);
    cache.invalidate('t');
    await settle();
    expect(cache.get('t')).toEqual(limits(50));
    expect(lookups).toHaveLength(2);
  });

  it('keeps what it knew when a lookup fails, and tries again a minute later', async () => {
    const { cache, lookups, advance } = cacheWith([new Error('denied'), limits(70)]);
    cache.refreshIfDue('t');
    await settle();
    expect(cache.get('t')).toBeUndefined();
    advance(59_000);
    cache.refreshIfDue('t');
    advance(1_001);
    cache.refreshIfDue('t');
    await settle();
    expect(cache.get('t')).toEqual(limits(70));
    expect(lookups).toHaveLength(2);
  });

  it('starts no lookup once closed', async () => {
    const { cache, lookups } = cacheWith([limits(1)]);
    cache.close();
    cache.refreshIfDue('t');
    await settle();
    expect(lookups).toEqual([]);
  });
});
