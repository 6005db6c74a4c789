import { Partitioners, type ICustomPartitioner, type Message } from 'kafkajs';

/**
 * Learns which partition kafkajs chose for each message the batcher sends, so a batched produce
 * response (one base offset per partition) can be split back into each call's own offsets.
 *
 * It wraps the producer's partitioner. For a tracked message the first choice is kept: kafkajs
 * partitions again on every retry, and a round-robin choice must not move a message that an
 * earlier attempt already placed. Messages it does not track (raw producer, transactions) are
 * partitioned exactly as the wrapped partitioner says.
 */
export class PartitionTracker {
  private readonly chosen = new WeakMap<Message, number>();

  /** The partitioner to give kafkajs: `createPartitioner` of the producer config. */
  wrap(create: ICustomPartitioner = Partitioners.DefaultPartitioner): ICustomPartitioner {
    return () => {
      const choose = create();
      return args => {
        const known = this.chosen.get(args.message);
        if (known === undefined) return choose(args);
        if (known >= 0 && known < args.partitionMetadata.length) return known;
        const partition = choose(args);
        this.chosen.set(args.message, partition);
        return partition;
      };
    };
  }

  /** Starts tracking messages the batcher is about to send. */
  track(messages: readonly Message[]): void {
    for (const message of messages) this.chosen.set(message, -1);
  }

  /** The partition kafkajs chose, or undefined when it never partitioned the message. */
  partitionOf(message: Message): number | undefined {
    const partition = this.chosen.get(message);
    return partition === undefined || partition < 0 ? undefined : partition;
  }
}
