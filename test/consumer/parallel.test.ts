import type { Application } from 'midway-kafka';
import {
  committedOffsets,
  consumeFromStart,
  createTopicNamed,
  produce,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { joinRawMember, type RawMember } from '../helpers/raw-member';
import {
  batches,
  calls,
  CONCURRENCY,
  control,
  MAX_BATCH_SIZE,
  names,
  resetControl,
} from './fixtures/parallel/src/names';

jest.setTimeout(120_000);

const PARTITIONS = 2;
const app = () => fixture(__dirname, 'parallel');

/** The end offset of every partition of `topic`, summed. */
async function endOffsetSum(topic: string): Promise<number> {
  const ends = await withAdmin(admin => admin.fetchTopicOffsets(topic));
  return ends.reduce((sum, p) => sum + Number(p.high), 0);
}

async function committedSum(groupId: string, topic: string): Promise<number> {
  const offsets = await committedOffsets(groupId, topic);
  return [...offsets.values()].reduce((sum, o) => sum + Math.max(o, 0), 0);
}

describe('listeners that handle several messages at once', () => {
  let running: Application | undefined;
  let member: RawMember | undefined;
  beforeAll(async () => {
    await createTopicNamed(names.concurrentTopic, PARTITIONS);
    await createTopicNamed(names.batchTopic, PARTITIONS);
  });
  afterEach(async () => {
    resetControl();
    await member?.stop();
    member = undefined;
    await stopApp(running);
    running = undefined;
  });
  const start = async (groupId: string, retry = { attempts: 3, initialDelayMs: 50 }) => {
    running = await startApp(app(), { consumerConfig: { groupId }, retry });
  };

  describe('concurrency: 16', () => {
    it('runs messages of different keys at once, one key at a time and in order, and commits everything', async () => {
      const groupId = uniqueName('keyed');
      await start(groupId);
      const prefix = uniqueName('k');
      const keys = Array.from({ length: 40 }, (_, i) => `${prefix}-key-${i}`);
      // 25 messages per key, interleaved, each with its sequence number within the key.
      const messages = Array.from({ length: 1000 }, (_, i) => ({
        key: keys[i % keys.length],
        value: `${prefix}|${keys[i % keys.length]}|${Math.floor(i / keys.length)}`,
      }));
      await produce(names.concurrentTopic, messages);
      const mine = (value: string) => value.startsWith(`${prefix}|`);
      await waitFor(
        () => calls.filter(c => mine(c.value) && c.finishedAt !== undefined).length >= 1000,
        'every message handled',
      );
      const ledger = calls.filter(c => mine(c.value));
      expect(ledger).toHaveLength(1000);
      for (const key of keys) {
        const ofKey = ledger.filter(c => c.key === key);
        // In order per key, and never two of one key at once.
        expect(ofKey.map(c => Number(c.value.split('|')[2]))).toEqual(
          Array.from({ length: 25 }, (_, i) => i),
        );
        for (let i = 1; i < ofKey.length; i++) {
          expect(ofKey[i].startedAt).toBeGreaterThanOrEqual(ofKey[i - 1].finishedAt!);
        }
      }
      const most = maxOverlap(ledger);
      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(CONCURRENCY * PARTITIONS);
      await waitFor(
        async () =>
          (await committedSum(groupId, names.concurrentTopic)) ===
          (await endOffsetSum(names.concurrentTopic)),
        'every offset committed',
      );
    });

    it('retries and dead-letters a failing message without holding up other keys', async () => {
      const groupId = uniqueName('keyed-failure');
      await start(groupId, { attempts: 3, initialDelayMs: 400 });
      const prefix = uniqueName('f');
      const poison = `${prefix}|poison-key|0`;
      control.failing.add(poison);
      const messages = [
        { key: 'poison-key', value: poison, partition: 0 },
        { key: 'poison-key', value: `${prefix}|poison-key|1`, partition: 0 },
        ...Array.from({ length: 30 }, (_, i) => ({
          key: `other-${i}`,
          value: `${prefix}|other-${i}|0`,
          partition: 0,
        })),
      ];
      await produce(names.concurrentTopic, messages);
      const mine = () => calls.filter(c => c.value.startsWith(`${prefix}|`));
      await waitFor(
        () => mine().filter(c => c.finishedAt !== undefined).length >= 34,
        'the poison message three times and every other once',
      );
      const ledger = mine();
      const poisonCalls = ledger.filter(c => c.value === poison);
      expect(poisonCalls.map(c => c.attempt)).toEqual([1, 2, 3]);
      const others = ledger.filter(c => c.value.includes('|other-'));
      expect(others).toHaveLength(30);
      // Other keys went on while the poison message waited for its retries (about 1.2 s).
      expect(Math.max(...others.map(c => c.finishedAt!))).toBeLessThan(poisonCalls[2].startedAt);
      // Its own key waited until it was dead-lettered.
      const next = ledger.find(c => c.value === `${prefix}|poison-key|1`)!;
      expect(next.startedAt).toBeGreaterThanOrEqual(poisonCalls[2].finishedAt!);
      const dead = await consumeFromStart(`${names.concurrentTopic}.DLT`, 1, m => String(m.value), {
        timeoutMs: 20_000,
      });
      expect(dead).toContain(poison);
      await waitFor(
        async () =>
          (await committedSum(groupId, names.concurrentTopic)) ===
          (await endOffsetSum(names.concurrentTopic)),
        'every offset committed, the dead-lettered one included',
      );
    });

    it('a member joining mid-run gets partitions; nothing is lost or handled twice', async () => {
      const groupId = uniqueName('keyed-join');
      await start(groupId);
      control.delayMs = () => 40;
      const prefix = uniqueName('j');
      const values = Array.from({ length: 2000 }, (_, i) => `${prefix}|key-${i % 100}|${i}`);
      await produce(
        names.concurrentTopic,
        values.map((value, i) => ({ value, key: `key-${i % 100}`, partition: i % PARTITIONS })),
      );
      const mine = () => calls.filter(c => c.value.startsWith(`${prefix}|`) && c.finishedAt);
      await waitFor(() => mine().length >= 200, 'the app to be busy');
      member = await joinRawMember(groupId, [names.concurrentTopic, names.batchTopic]);
      const everything = new Set(values);
      const byMember = () => member!.received.map(r => r.value).filter(v => everything.has(v));
      await waitFor(
        () => new Set([...mine().map(c => c.value), ...byMember()]).size === values.length,
        'every value handled by one of the members',
        90_000,
      );
      expect(mine().length + byMember().length).toBe(values.length);
      expect(byMember().length).toBeGreaterThan(0);
    });
  });

  describe('batch: true', () => {
    const batchValues = (prefix: string) =>
      batches.flatMap(b => b.values).filter(v => v.startsWith(`${prefix}-`));

    it('hands over arrays of at most maxBatchSize, each message once, and commits them', async () => {
      const groupId = uniqueName('batch');
      await start(groupId);
      const prefix = uniqueName('b');
      const values = Array.from({ length: 230 }, (_, i) => `${prefix}-${i}`);
      await produce(
        names.batchTopic,
        values.map((value, i) => ({ value, partition: i % PARTITIONS })),
      );
      await waitFor(() => batchValues(prefix).length >= values.length, 'every value');
      expect(batchValues(prefix).sort()).toEqual([...values].sort());
      const mine = batches.filter(b => b.values.some(v => v.startsWith(`${prefix}-`)));
      expect(Math.max(...mine.map(b => b.values.length))).toBeLessThanOrEqual(MAX_BATCH_SIZE);
      expect(mine.some(b => b.values.length > 1)).toBe(true);
      await waitFor(
        async () =>
          (await committedSum(groupId, names.batchTopic)) ===
          (await endOffsetSum(names.batchTopic)),
        'every offset committed',
      );
    });

    it('retries the whole batch after a plain error, then commits it once it succeeds', async () => {
      const groupId = uniqueName('batch-retry');
      await start(groupId);
      const prefix = uniqueName('r');
      const values = Array.from({ length: 20 }, (_, i) => `${prefix}-${i}`);
      control.failBatchTimes.set(values[7], 1);
      await produce(
        names.batchTopic,
        values.map(value => ({ value, partition: 0 })),
      );
      await waitFor(
        () => batches.some(b => b.attempt === 2 && b.values.includes(values[7])),
        'the batch delivered again',
      );
      const attempts = batches.filter(b => b.values.includes(values[7]));
      expect(attempts.map(b => b.attempt)).toEqual([1, 2]);
      expect(attempts[1].values).toEqual(attempts[0].values);
      await waitFor(
        async () =>
          (await committedSum(groupId, names.batchTopic)) ===
          (await endOffsetSum(names.batchTopic)),
        'every offset committed',
      );
      // Nothing of this batch comes a third time.
      expect(batches.filter(b => b.values.includes(values[0]))).toHaveLength(2);
    });

    it('KafkaBatchError(index) commits the messages before it, dead-letters that one and redelivers the rest', async () => {
      const groupId = uniqueName('batch-error');
      await start(groupId, { attempts: 2, initialDelayMs: 50 });
      const prefix = uniqueName('e');
      const values = Array.from({ length: 12 }, (_, i) => `${prefix}-${i}`);
      const poison = values[5];
      control.failing.add(poison);
      await produce(
        names.batchTopic,
        values.map(value => ({ value, partition: 1 })),
      );
      await waitFor(
        () =>
          batchValues(prefix).includes(values[11]) && batches.some(b => b.values[0] === values[6]),
        'the rest after the poison message',
      );
      const delivered = batches.filter(b => b.values.some(v => v.startsWith(`${prefix}-`)));
      // First the whole batch, then from the poison message (its second attempt), then the rest.
      expect(delivered.map(b => [b.values[0], b.attempt])).toEqual([
        [values[0], 1],
        [poison, 2],
        [values[6], 1],
      ]);
      // The messages before the poison one were delivered once.
      for (const value of values.slice(0, 5)) {
        expect(batchValues(prefix).filter(v => v === value)).toHaveLength(1);
      }
      const dead = await consumeFromStart(`${names.batchTopic}.DLT`, 1, m => String(m.value), {
        timeoutMs: 20_000,
      });
      expect(dead).toContain(poison);
      await waitFor(
        async () =>
          (await committedSum(groupId, names.batchTopic)) ===
          (await endOffsetSum(names.batchTopic)),
        'every offset committed',
      );
    });
  });
});

/** The most calls that ran at the same moment. */
function maxOverlap(ledger: { startedAt: number; finishedAt?: number }[]): number {
  const events = ledger.flatMap(c => [
    { at: c.startedAt, delta: 1 },
    { at: c.finishedAt ?? Infinity, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const e of events) {
    now += e.delta;
    most = Math.max(most, now);
  }
  return most;
}
