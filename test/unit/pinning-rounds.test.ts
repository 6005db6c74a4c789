import type { Consumer } from 'kafkajs';
import { PartitionPauses } from '../../src/consumer/partition-pauses';
import { PinningRounds } from '../../src/consumer/pinning-rounds';

/** A consumer that only records which partitions kafkajs would leave out of its fetches. */
function pausableConsumer() {
  const paused = new Set<string>();
  const each = (topics: { topic: string; partitions?: number[] }[], add: boolean) => {
    for (const { topic, partitions = [] } of topics) {
      for (const p of partitions) {
        if (add) paused.add(`${topic}[${p}]`);
        else paused.delete(`${topic}[${p}]`);
      }
    }
  };
  const consumer = {
    pause: (topics: { topic: string; partitions?: number[] }[]) => each(topics, true),
    resume: (topics: { topic: string; partitions?: number[] }[]) => each(topics, false),
  } as unknown as Consumer;
  return { consumer, paused };
}

describe('pinning rounds: the pauses start-offset pinning makes, across rebalances', () => {
  it('lifts a partition an earlier round paused when a later round, pinning others, ends first', () => {
    const { consumer, paused } = pausableConsumer();
    const rounds = new PinningRounds(new PartitionPauses(consumer));
    // Join 1 pins p0 and p1; before it ends, a rebalance's join 2 pins only p1 (p0 is known
    // committed by then), and ends first.
    const first = rounds.begin([{ topic: 't', partitions: [0, 1] }]);
    const second = rounds.begin([{ topic: 't', partitions: [1] }]);
    rounds.end(second, [{ topic: 't', partitions: [1] }]);
    expect([...paused]).toEqual(['t[0]']);
    rounds.end(first, [{ topic: 't', partitions: [0, 1] }]);
    expect([...paused]).toEqual([]);
  });

  it('leaves a partition paused while the latest round that paused it is still pinning', () => {
    const { consumer, paused } = pausableConsumer();
    const rounds = new PinningRounds(new PartitionPauses(consumer));
    const first = rounds.begin([{ topic: 't', partitions: [0, 2] }]);
    const second = rounds.begin([{ topic: 't', partitions: [2] }]);
    rounds.end(first, [{ topic: 't', partitions: [0, 2] }]);
    expect([...paused]).toEqual(['t[2]']);
    rounds.end(second, [{ topic: 't', partitions: [2] }]);
    expect([...paused]).toEqual([]);
  });

  it('keeps another reason’s pause: a partition the user paused stays paused', () => {
    const { consumer, paused } = pausableConsumer();
    const pauses = new PartitionPauses(consumer);
    const rounds = new PinningRounds(pauses);
    const round = rounds.begin([{ topic: 't', partitions: [0] }]);
    pauses.pause('t', 0, 'user');
    rounds.end(round, [{ topic: 't', partitions: [0] }]);
    expect([...paused]).toEqual(['t[0]']);
  });
});
