import { Partitioners, type ICustomPartitioner, type Message } from 'kafkajs';

/** Where the tracker notes a message's partition on the batcher's own copy of the message. */
const CHOSEN = Symbol('midway-kafka.partition');

type TrackedMessage = Message & { [CHOSEN]?: number };

/**
 * Learns which partition kafkajs chose for each message the batcher sends, so a batched produce
 * response (one base offset per partition) can be split back into each call's own offsets.
 *
 * It wraps the producer's partitioner. For a tracked message the first choice is kept: kafkajs
 * partitions again on every retry, and a round-robin choice must not move a message that an
 * earlier attempt already placed. Messages it does not track (raw producer, transactions) are
 * partitioned exactly as the wrapped partitioner says. The choice is kept in a symbol property
 * of the batcher's private copy of the message (kafkajs ignores it; a WeakMap costs far more).
 */
export class PartitionTracker {
  /** The partitioner to give kafkajs: `createPartitioner` of the producer config. */
  wrap(create: ICustomPartitioner = Partitioners.DefaultPartitioner): ICustomPartitioner {
    return () => {
      const choose = create();
      return args => {
        const message = args.message as TrackedMessage;
        const known = message[CHOSEN];
        if (known === undefined) return choose(args);
        if (known >= 0 && known < args.partitionMetadata.length) return known;
        const partition = choose(args);
        message[CHOSEN] = partition;
        return partition;
      };
    };
  }

  /** Starts tracking messages the batcher is about to send (its own copies, never the caller's). */
  track(messages: readonly Message[]): void {
    for (const message of messages) (message as TrackedMessage)[CHOSEN] = -1;
  }

  /** The partition kafkajs chose, or undefined when it never partitioned the message. */
  partitionOf(message: Message): number | undefined {
    const partition = (message as TrackedMessage)[CHOSEN];
    return partition === undefined || partition < 0 ? undefined : partition;
  }
}
