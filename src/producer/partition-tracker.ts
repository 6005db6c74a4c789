import { Partitioners, type ICustomPartitioner, type Message } from 'kafkajs';

/**
 * Where the tracker notes a message's partition on the service's own copy of the message. A
 * string key, not a symbol: kafkajs spreads every message into a new object while encoding, and a
 * symbol-keyed property takes that copy off V8's fast path (about 3 µs a message).
 */
const CHOSEN = 'midwayKafkaPartition';
/** A tracked message kafkajs has not partitioned yet. */
const UNCHOSEN = -1;

type TrackedMessage = Message & { [CHOSEN]?: number };

/** A copy of `value` the tracker can follow, shaped once (adding the field later costs more). */
export function trackableMessage(value: Message['value']): Message {
  return { value, [CHOSEN]: UNCHOSEN } as Message;
}

/**
 * Learns which partition kafkajs chose for each message the batcher sends, so a batched produce
 * response (one base offset per partition) can be split back into each call's own offsets.
 *
 * It wraps the producer's partitioner. For a tracked message the first choice is kept: kafkajs
 * partitions again on every retry, and a round-robin choice must not move a message that an
 * earlier attempt already placed. Messages it does not track (raw producer, transactions) are
 * partitioned exactly as the wrapped partitioner says. The choice is kept on the service's
 * private copy of the message (kafkajs ignores the property; a WeakMap costs far more).
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
    for (const message of messages) (message as TrackedMessage)[CHOSEN] = UNCHOSEN;
  }

  /** The partition kafkajs chose, or undefined when it never partitioned the message. */
  partitionOf(message: Message): number | undefined {
    const partition = (message as TrackedMessage)[CHOSEN];
    return partition === undefined || partition < 0 ? undefined : partition;
  }
}
