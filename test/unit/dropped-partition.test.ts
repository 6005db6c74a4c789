import type { PartitionerArgs, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { ProducerBatcher, type ProducerRunner } from '../../src/producer/batcher';
import { prepareMessages } from '../../src/producer/messages';
import { DEFAULT_PRODUCER_BATCHING } from '../../src/producer/options';
import { PartitionTracker } from '../../src/producer/partition-tracker';
import { TopicLimitsCache } from '../../src/producer/topic-limits';
import { partitionMetadata } from '../helpers/partition-metadata';

const TOPIC = 'orders';
const PARTITIONS = partitionMetadata(3);

/**
 * A stand-in for kafkajs's producer: partitions each request as kafkajs does (one pass, in
 * order, through the given partitioner) and answers with one entry per partition, except that
 * `answer` may leave partitions out, as kafkajs does after a leader change during its retries.
 */
function fakeProducer(
  partitioner: (args: PartitionerArgs) => number,
  answer: (partitions: number[], attempt: number) => number[],
) {
  const sent: { partition: number; values: string[] }[][] = [];
  const next = [0, 0, 0];
  const producer = {
    async sendBatch({ topicMessages }: ProducerBatch): Promise<RecordMetadata[]> {
      const byPartition = new Map<number, string[]>();
      for (const message of topicMessages![0].messages) {
        const partition = partitioner({ topic: TOPIC, partitionMetadata: PARTITIONS, message });
        byPartition.set(partition, [...(byPartition.get(partition) ?? []), String(message.value)]);
      }
      sent.push([...byPartition].map(([partition, values]) => ({ partition, values })));
      return answer([...byPartition.keys()], sent.length).map(partition => {
        const baseOffset = String(next[partition]);
        next[partition] += byPartition.get(partition)!.length;
        return { topicName: TOPIC, partition, errorCode: 0, baseOffset };
      });
    },
  } as unknown as Producer;
  return { producer, sent };
}

function batcherWith(producer: Producer, tracker: PartitionTracker): ProducerBatcher {
  const session: ProducerRunner = { run: send => send(producer), discard: () => undefined };
  const limits = new TopicLimitsCache(async () => ({
    maxMessageBytes: 1_000_000,
    compacted: false,
    timestamps: undefined,
  }));
  return new ProducerBatcher(session, tracker, limits, DEFAULT_PRODUCER_BATCHING, true);
}

describe('a produce response without a partition (kafkajs after a leader change)', () => {
  it('sends those records once more to their partition, and every call gets its offsets', async () => {
    const tracker = new PartitionTracker();
    let counter = 0;
    const partitioner = tracker.wrap(() => () => counter++ % 3)();
    // The first request's answer lacks partition 0; the resend is answered in full.
    const { producer, sent } = fakeProducer(partitioner, (partitions, attempt) =>
      attempt === 1 ? partitions.filter(p => p !== 0) : partitions,
    );
    const batcher = batcherWith(producer, tracker);
    const values = ['a', 'b', 'c', 'd', 'e'];
    const results = await Promise.all(
      values.map(value =>
        batcher.enqueue(TOPIC, prepareMessages(TOPIC, [{ value }]), { acks: -1 }),
      ),
    );
    expect(sent).toEqual([
      [
        { partition: 0, values: ['a', 'd'] },
        { partition: 1, values: ['b', 'e'] },
        { partition: 2, values: ['c'] },
      ],
      // Only what was dropped, in its order, to the partition it was meant for.
      [{ partition: 0, values: ['a', 'd'] }],
    ]);
    expect(results.map(([r]) => `${r.partition}@${r.baseOffset}`)).toEqual([
      '0@0',
      '1@0',
      '2@0',
      '0@1',
      '1@1',
    ]);
  });

  it('fails only the calls of a partition that stays unanswered, saying what may have happened', async () => {
    const tracker = new PartitionTracker();
    let counter = 0;
    const partitioner = tracker.wrap(() => () => counter++ % 3)();
    const { producer } = fakeProducer(partitioner, partitions => partitions.filter(p => p !== 0));
    const batcher = batcherWith(producer, tracker);
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'c'].map(value =>
        batcher.enqueue(TOPIC, prepareMessages(TOPIC, [{ value }]), { acks: -1 }),
      ),
    );
    expect(outcomes.map(o => o.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[0] as PromiseRejectedResult).reason.message).toMatch(
      /no offset for partition 0 of topic "orders".*may or may not have been written/,
    );
  });
});
