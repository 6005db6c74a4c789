import type { KafkaMessage } from 'kafkajs';
import { KafkaDeserializationError, KafkaConfigError } from 'midway-kafka';
import { decode, resolveDeserializer } from '../../src/consumer/deserialize';
import { OffsetCommitter, partitionKey, type CommitFn } from '../../src/consumer/offset-committer';
import { DEFAULT_RETRY_POLICY, retryDelay } from '../../src/consumer/retry/retry-policy';
import {
  validateComponentConfig,
  validateKafkaConfig,
} from '../../src/config/validate-kafka-config';

const message = (value: string | null, offset = '7'): KafkaMessage => ({
  key: Buffer.from('k'),
  value: value === null ? null : Buffer.from(value),
  timestamp: '1700000000000',
  attributes: 0,
  offset,
  headers: { trace: 'abc' },
});

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

describe('retryDelay', () => {
  const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
  it('grows by the multiplier, is capped, and spreads by the jitter', () => {
    const none = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5].map(a => retryDelay(none, a))).toEqual([100, 200, 400, 800, 1000]);
    expect(retryDelay({ ...policy, jitter: 0.2 }, 1, () => 0)).toBe(80);
    expect(retryDelay({ ...policy, jitter: 0.2 }, 1, () => 1)).toBe(120);
    expect(retryDelay({ ...policy, jitter: 0.2 }, 10, () => 1)).toBe(1000);
  });
});

describe('deserializers', () => {
  it('raw, string and json', () => {
    expect(decode(resolveDeserializer(undefined, 'x'), message('a'), 't', 0)).toEqual(
      Buffer.from('a'),
    );
    expect(decode(resolveDeserializer('string', 'x'), message('a'), 't', 0)).toBe('a');
    expect(decode(resolveDeserializer('json', 'x'), message('{"a":1}'), 't', 0)).toEqual({ a: 1 });
    expect(decode(resolveDeserializer('json', 'x'), message(null), 't', 0)).toBeNull();
  });

  it('wraps a failure in a KafkaDeserializationError naming the message, sync or async', async () => {
    expect(() => decode(resolveDeserializer('json', 'x'), message('{'), 'orders', 2)).toThrow(
      KafkaDeserializationError,
    );
    expect(() => decode(resolveDeserializer('json', 'x'), message('{'), 'orders', 2)).toThrow(
      /orders\[2\]@7/,
    );
    const failing = async () => {
      throw new Error('schema mismatch');
    };
    await expect(decode(failing, message('x'), 'orders', 0) as Promise<unknown>).rejects.toThrow(
      /schema mismatch/,
    );
    await expect(
      decode(failing, message('x'), 'orders', 0) as Promise<unknown>,
    ).rejects.toMatchObject({ code: 'DESERIALIZATION_FAILED' });
  });

  it('refuses an unknown deserializer name with the choices', () => {
    expect(() => resolveDeserializer('avro' as never, '@KafkaListener on A.b')).toThrow(
      /'raw', 'string', 'json'/,
    );
  });
});

describe('OffsetCommitter', () => {
  const schedule = { interval: null, threshold: null };

  it('commits the last finished offset + 1 per partition', async () => {
    const commits: unknown[] = [];
    const committer = new OffsetCommitter(
      async offsets => void commits.push(offsets),
      schedule,
      silent,
    );
    committer.markDone(partitionKey('t', 0), 't', 0, '4');
    committer.markDone(partitionKey('t', 0), 't', 0, '5');
    committer.markDone(partitionKey('t', 1), 't', 1, '9');
    expect(committer.isDue(false)).toBe(false);
    expect(committer.isDue(true)).toBe(true);
    await committer.commitPending();
    expect(commits).toEqual([
      [
        { topic: 't', partition: 0, offset: '6' },
        { topic: 't', partition: 1, offset: '10' },
      ],
    ]);
    expect(committer.isDue(true)).toBe(false);
  });

  it('keeps offsets whose commit failed for the next commit, unless newer ones were marked', async () => {
    let fail = true;
    const commits: unknown[] = [];
    const commit: CommitFn = async offsets => {
      if (fail) throw new Error('rebalancing');
      commits.push(offsets);
    };
    const committer = new OffsetCommitter(commit, schedule, silent);
    committer.markDone(partitionKey('t', 0), 't', 0, '1');
    await committer.commitPending();
    fail = false;
    await committer.commitPending();
    expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
  });

  it('is due at the threshold', () => {
    const committer = new OffsetCommitter(
      async () => undefined,
      { interval: 60_000, threshold: 2 },
      silent,
    );
    committer.markDone(partitionKey('t', 0), 't', 0, '1');
    expect(committer.isDue(false)).toBe(false);
    committer.markDone(partitionKey('t', 0), 't', 0, '2');
    expect(committer.isDue(false)).toBe(true);
  });

  it('commitExactly refuses offsets that are not whole numbers >= 0', async () => {
    const committer = new OffsetCommitter(async () => undefined, schedule, silent);
    await expect(committer.commitExactly('t', 0, -1)).rejects.toThrow(/whole number >= 0/);
    await expect(committer.commitExactly('t', 0, 'abc')).rejects.toThrow(/whole number >= 0/);
    await expect(committer.commitExactly('t', 0, 10n)).resolves.toBeUndefined();
  });

  it('runs commits one at a time, in the order they were asked for', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>(resolve => (release = resolve));
    const committer = new OffsetCommitter(
      async offsets => {
        if (offsets[0].offset === '1') await gate;
        order.push(offsets[0].offset);
      },
      schedule,
      silent,
    );
    const first = committer.commitExactly('t', 0, 1);
    const second = committer.commitExactly('t', 0, 2);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['1', '2']);
  });

  it('commits in the background, one commit at a time, what finished meanwhile right after', async () => {
    const answers: (() => void)[] = [];
    const sent: string[] = [];
    const committer = new OffsetCommitter(
      offsets =>
        new Promise<void>(resolve => {
          sent.push(offsets[0].offset);
          answers.push(resolve);
        }),
      schedule,
      silent,
    );
    const turn = () => new Promise(resolve => setImmediate(resolve));
    committer.markDone(partitionKey('t', 0), 't', 0, '1');
    committer.commitInBackground();
    await turn();
    expect(sent).toEqual(['2']);
    // While the first is unanswered, later work waits and goes out as one commit.
    committer.markDone(partitionKey('t', 0), 't', 0, '3');
    committer.commitInBackground();
    committer.markDone(partitionKey('t', 0), 't', 0, '5');
    committer.commitInBackground();
    await turn();
    expect(sent).toEqual(['2']);
    answers[0]();
    await turn();
    expect(sent).toEqual(['2', '6']);
    // A stop still waits for the one left running.
    let settled = false;
    const stop = committer.settled().then(() => (settled = true));
    await new Promise(resolve => setImmediate(resolve));
    expect(settled).toBe(false);
    answers[1]();
    await stop;
  });

  it('drops a failed commit of partitions reassigned while it ran', async () => {
    let fail: (error: Error) => void = () => undefined;
    const commits: unknown[] = [];
    let calls = 0;
    const committer = new OffsetCommitter(
      offsets => {
        calls++;
        if (calls === 1) return new Promise<void>((_, reject) => (fail = reject));
        commits.push(offsets);
        return Promise.resolve();
      },
      schedule,
      silent,
    );
    committer.markDone(partitionKey('t', 0), 't', 0, '3');
    const first = committer.commitPending();
    await Promise.resolve();
    // A rebalance hands t[0] back (a new generation re-reads it from the last commit).
    committer.retainOnly({ t: [0] });
    fail(new Error('ILLEGAL_GENERATION'));
    await first;
    await committer.commitPending();
    expect(commits).toEqual([]);
  });
});

describe('config validation', () => {
  it('names the bad path and the fix', () => {
    expect(() => validateKafkaConfig({})).toThrow(KafkaConfigError);
    expect(() => validateKafkaConfig({})).toThrow(/kafka\.kafkaConfig: it is missing/);
    expect(() => validateKafkaConfig({ kafkaConfig: { brokers: [] } })).toThrow(
      /kafka\.kafkaConfig\.brokers/,
    );
    expect(() => validateKafkaConfig({ kafkaConfig: { brokers: ['localhost'] } })).toThrow(
      /brokers\[0\].*host:port/,
    );
    expect(validateKafkaConfig({ kafkaConfig: { brokers: ['127.0.0.1:9092'] } }).brokers).toEqual([
      '127.0.0.1:9092',
    ]);
    expect(() => validateComponentConfig({ shutdownTimeout: -1 })).toThrow(
      /kafka\.shutdownTimeout/,
    );
  });
});
