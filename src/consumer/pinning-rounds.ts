import { partitionKey } from './offset-committer';
import type { PartitionPauses } from './partition-pauses';
import type { TopicPartitions } from './pin-start-offsets';

/**
 * The `'pinning'` pauses of one consumer, each owned by the join (round) that made it. A join
 * pins only the partitions not yet known to have a committed offset, so a rebalance while an
 * earlier round is pinning can leave a partition paused by that earlier round alone: the round
 * that paused a partition last is the one that lifts it, whichever round ends first.
 */
export class PinningRounds {
  private round = 0;
  private readonly owner = new Map<string, number>();

  constructor(private readonly pauses: PartitionPauses) {}

  /** Pauses `targets` for a new round and returns the round. */
  begin(targets: readonly TopicPartitions[]): number {
    const round = ++this.round;
    for (const { topic, partitions } of targets) {
      for (const partition of partitions) {
        this.pauses.pause(topic, partition, 'pinning');
        this.owner.set(partitionKey(topic, partition), round);
      }
    }
    return round;
  }

  /** Lifts the pauses of `targets` that `round` still owns. */
  end(round: number, targets: readonly TopicPartitions[]): void {
    for (const { topic, partitions } of targets) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        if (this.owner.get(key) !== round) continue;
        this.owner.delete(key);
        this.pauses.release(topic, partition, 'pinning');
      }
    }
  }
}
