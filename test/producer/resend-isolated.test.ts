import type { Message, PartitionMetadata, RecordMetadata } from 'kafkajs';
import { resendIsolated, type IsolatedOutcome } from '../../src/producer/isolation';
import { TrackedRequest } from '../../src/producer/partition-tracker';

/** A kafkajs-like refusal of a partition's records. */
function refusal(type: string): Error {
  return Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
}

/**
 * A broker as the resends see it: per partition a log of values. Batches of the refused request
 * that it did write are recognised when sent again (as a broker recognises an idempotent
 * producer's batch by its sequence numbers) and not written twice. It refuses any batch holding
 * a value with "bad", and batches of more than `maxBatch` messages as too large.
 */
class FakeBroker {
  readonly logs = new Map<number, string[]>();
  readonly resends: { partition: number; values: string[] }[] = [];
  private readonly alreadyWritten = new Map<string, number>();
  failWith: Error | undefined;

  constructor(private readonly maxBatch = Infinity) {}

  /** What the refused request wrote before kafkajs threw: these batches are in the log. */
  wrote(partition: number, values: string[]): void {
    this.alreadyWritten.set(`${partition}|${values.join()}`, this.append(partition, values));
  }

  resend = async (messages: Message[], partition: number): Promise<RecordMetadata> => {
    const values = messages.map(m => String(m.value));
    this.resends.push({ partition, values });
    if (this.failWith) throw this.failWith;
    if (values.some(v => v.includes('bad'))) throw refusal('INVALID_RECORD');
    if (values.length > this.maxBatch) throw refusal('MESSAGE_TOO_LARGE');
    const known = this.alreadyWritten.get(`${partition}|${values.join()}`);
    const baseOffset = known ?? this.append(partition, values);
    return { topicName: 't', partition, errorCode: 0, baseOffset: String(baseOffset) };
  };

  private append(partition: number, values: string[]): number {
    const log = this.logs.get(partition) ?? [];
    this.logs.set(partition, log);
    log.push(...values);
    return log.length - values.length;
  }
}

/** A request of `calls` (per call: [value, partition] pairs), partitioned as given. */
function requestOf(calls: [string, number][][], leaders: number[] = [1, 1, 1]) {
  const flat = calls.flat();
  const request = new TrackedRequest(flat.map(([value]) => ({ value })));
  flat.forEach(([, partition], i) => (request.chosen[i] = partition));
  request.passes.push(
    leaders.map((leader, partitionId) => ({ partitionId, leader }) as PartitionMetadata),
  );
  return { request, callSizes: calls.map(call => call.length) };
}

/** Runs `resendIsolated` on a request of `calls` that Kafka refused with `type`. */
function isolate(
  broker: FakeBroker,
  calls: [string, number][][],
  type: string,
  { idempotent = true, leaders = [1, 1, 1], resend = broker.resend } = {},
): Promise<IsolatedOutcome[]> {
  return resendIsolated({
    ...requestOf(calls, leaders),
    error: refusal(type),
    idempotent,
    resend,
  });
}

function offsetsOf(outcome: IsolatedOutcome): [number, string][] {
  expect(outcome.kind).toBe('written');
  const { metadata } = outcome as { metadata: RecordMetadata[] };
  return metadata.map(m => [m.partition, m.baseOffset as string]);
}

describe('resendIsolated', () => {
  it('writes what the broker did not refuse exactly once and fails only the refused call', async () => {
    const broker = new FakeBroker();
    const calls: [string, number][][] = [
      [['a', 0]],
      [['bad-b', 1]],
      [
        ['c0', 0],
        ['c1', 1],
      ],
      [['d', 2]],
    ];
    // Partitions 0 and 2 were written; partition 1 was refused (and hid the others' success).
    broker.wrote(0, ['a', 'c0']);
    broker.wrote(2, ['d']);
    const outcomes = await isolate(broker, calls, 'INVALID_RECORD');

    expect(offsetsOf(outcomes[0])).toEqual([[0, '0']]);
    expect(outcomes[1]).toMatchObject({ kind: 'refused', written: [] });
    expect(offsetsOf(outcomes[2])).toEqual([
      [0, '1'],
      [1, '0'],
    ]);
    expect(offsetsOf(outcomes[3])).toEqual([[2, '0']]);
    expect(Object.fromEntries(broker.logs)).toEqual({ 0: ['a', 'c0'], 1: ['c1'], 2: ['d'] });
  });

  it('splits a refused single-partition request by call without sending it unchanged again', async () => {
    const broker = new FakeBroker();
    const calls: [string, number][][] = ['a', 'b', 'bad-c', 'd', 'e'].map(v => [[v, 0]]);
    const outcomes = await isolate(broker, calls, 'INVALID_RECORD', { idempotent: false });
    expect(outcomes.map(o => o.kind)).toEqual([
      'written',
      'written',
      'refused',
      'written',
      'written',
    ]);
    expect(broker.logs.get(0)).toEqual(['a', 'b', 'd', 'e']);
    expect(broker.resends.map(r => r.values.length)).not.toContain(5);
    expect(outcomes.filter(o => o.kind === 'written').map(o => offsetsOf(o)[0][1])).toEqual([
      '0',
      '1',
      '2',
      '3',
    ]);
  });

  it('splits one call’s batch refused as too large by message, as Java’s producer does', async () => {
    const broker = new FakeBroker(2);
    const calls: [string, number][][] = [
      [
        ['m0', 0],
        ['m1', 0],
        ['m2', 0],
        ['m3', 0],
        ['m4', 0],
      ],
    ];
    const outcomes = await isolate(broker, calls, 'MESSAGE_TOO_LARGE');
    expect(offsetsOf(outcomes[0])).toEqual([[0, '0']]);
    expect(broker.logs.get(0)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('keeps a call refused as invalid whole, and lists its messages written elsewhere', async () => {
    const broker = new FakeBroker();
    const calls: [string, number][][] = [
      [
        ['x0', 0],
        ['bad-x1', 1],
        ['x2', 1],
      ],
    ];
    broker.wrote(0, ['x0']);
    const outcomes = await isolate(broker, calls, 'INVALID_RECORD');
    expect(outcomes[0]).toMatchObject({ kind: 'refused', written: [0] });
    expect(Object.fromEntries(broker.logs)).toEqual({ 0: ['x0'] });
  });

  it.each([
    ['the producer is not idempotent', false, [1, 1, 1], /not idempotent/],
    ['the request went to several brokers', true, [1, 2, 1], /several brokers/],
  ])(
    'resends nothing of a request over several partitions when %s',
    async (_, idem, leaders, why) => {
      const broker = new FakeBroker();
      const outcomes = await isolate(broker, [[['a', 0]], [['bad', 1]]], 'INVALID_RECORD', {
        idempotent: idem,
        leaders,
      });
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(why) });
      }
      expect(broker.resends).toEqual([]);
    },
  );

  it('stops at a resend that fails otherwise: what is undecided is reported as unknown', async () => {
    const broker = new FakeBroker();
    const calls: [string, number][][] = [[['a', 0]], [['bad', 1]], [['c', 2]]];
    broker.wrote(0, ['a']);
    broker.wrote(2, ['c']);
    const resend = async (messages: Message[], partition: number) => {
      if (partition === 1) broker.failWith = new Error('Connection closed');
      return broker.resend(messages, partition);
    };
    const outcomes = await isolate(broker, calls, 'INVALID_RECORD', { resend });
    expect(offsetsOf(outcomes[0])).toEqual([[0, '0']]);
    expect(outcomes[1]).toMatchObject({
      kind: 'unknown',
      reason: expect.stringMatching(/Connection closed/),
    });
    expect(outcomes[2]).toMatchObject({ kind: 'unknown' });
    expect(broker.resends.map(r => r.partition)).toEqual([0, 1]);
  });
});
