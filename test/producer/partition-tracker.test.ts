import type { Message, PartitionerArgs } from 'kafkajs';
import { PartitionTracker } from '../../src/producer/partition-tracker';
import { partitionMetadata as metadata } from '../helpers/partition-metadata';

/** Partitions like kafkajs's round robin: every call picks the next partition. */
function roundRobin() {
  let counter = 0;
  return () => (args: PartitionerArgs) => counter++ % args.partitionMetadata.length;
}

/** One partitioning pass of kafkajs over `messages`, in order, as groupMessagesPerPartition does. */
function pass(partition: (args: PartitionerArgs) => number, messages: Message[], partitions = 3) {
  return messages.map(message =>
    partition({ topic: 't', partitionMetadata: metadata(partitions), message }),
  );
}

const messages = (count: number): Message[] =>
  Array.from({ length: count }, (_, i) => ({ value: `m${i}` }));

describe('partition tracker', () => {
  it('notes the partition of every message of a request by position', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(5);
    const request = tracker.track(sent);
    const chosen = pass(partition, sent);
    expect(chosen).toEqual([0, 1, 2, 0, 1]);
    expect(sent.map((_, i) => request.partitionAt(i))).toEqual(chosen);
  });

  it('keeps the first choice when kafkajs partitions the request again on a retry', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(4);
    const request = tracker.track(sent);
    const first = pass(partition, sent);
    const retried = pass(partition, sent);
    expect(retried).toEqual(first);
    expect(sent.map((_, i) => request.partitionAt(i))).toEqual(first);
  });

  it('restarts a pass that was cut short', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(4);
    const request = tracker.track(sent);
    pass(partition, sent.slice(0, 2));
    const full = pass(partition, sent);
    expect(full.slice(0, 2)).toEqual([0, 1]);
    expect(sent.map((_, i) => request.partitionAt(i))).toEqual(full);
  });

  it('keeps requests apart and leaves messages it does not track to the wrapped partitioner', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const a = messages(2);
    const b = messages(3);
    const requestA = tracker.track(a);
    const requestB = tracker.track(b);
    const chosenB = pass(partition, b);
    const foreign = pass(partition, messages(2));
    const chosenA = pass(partition, a);
    expect(b.map((_, i) => requestB.partitionAt(i))).toEqual(chosenB);
    expect(a.map((_, i) => requestA.partitionAt(i))).toEqual(chosenA);
    expect(foreign).toEqual([0, 1]);
  });

  it('forgets a released request: its messages are partitioned afresh and not noted', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(2);
    const request = tracker.track(sent);
    tracker.release(request);
    pass(partition, sent);
    expect(request.partitionAt(0)).toBeUndefined();
  });

  it('tracks a request only while its send runs, failed or not', async () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(2);
    const { result, request } = await tracker.during(sent, async () => pass(partition, sent));
    expect(result).toEqual([0, 1]);
    expect([request.partitionAt(0), request.partitionAt(1)]).toEqual([0, 1]);
    const failing = messages(1);
    await expect(
      tracker.during(failing, async () => {
        throw new Error('broker gone');
      }),
    ).rejects.toThrow('broker gone');
    // Released: passes over the same message are no longer kept to a first choice.
    expect(pass(partition, failing)).not.toEqual(pass(partition, failing));
  });

  it('partitions a message again when its remembered partition is not in the metadata', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(() => args => args.partitionMetadata.length - 1)();
    const sent = messages(1);
    const request = tracker.track(sent);
    pass(partition, sent, 3);
    expect(request.partitionAt(0)).toBe(2);
    pass(partition, sent, 2);
    expect(request.partitionAt(0)).toBe(1);
  });

  it('puts every message of a request where it is told, whatever the partitioner says', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const sent = messages(3);
    tracker.track(sent, 2);
    expect(pass(partition, sent)).toEqual([2, 2, 2]);
  });

  it('tells whether every partition used had one leader in every pass', () => {
    const tracker = new PartitionTracker();
    const partition = tracker.wrap(roundRobin())();
    const withLeaders = (leaders: number[]) =>
      leaders.map((leader, partitionId) => ({ partitionId, leader })) as unknown as ReturnType<
        typeof metadata
      >;
    const passWith = (sent: Message[], leaders: number[]) =>
      sent.map(message =>
        partition({ topic: 't', partitionMetadata: withLeaders(leaders), message }),
      );

    const one = messages(2);
    const oneLeader = tracker.track(one);
    passWith(one, [1, 1, 2]); // partitions 0 and 1, both led by broker 1
    expect(oneLeader.usedOneLeader()).toBe(true);
    passWith(one, [1, 3, 2]); // a retry after partition 1 moved
    expect(oneLeader.usedOneLeader()).toBe(false);

    const spread = messages(3);
    const twoLeaders = tracker.track(spread);
    passWith(spread, [1, 1, 2]);
    expect(twoLeaders.usedOneLeader()).toBe(false);
  });
});
