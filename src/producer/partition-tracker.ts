import {
  Partitioners,
  type ICustomPartitioner,
  type Message,
  type PartitionMetadata,
} from 'kafkajs';

/** A tracked message kafkajs has not partitioned yet. */
const UNCHOSEN = -1;

/** The messages of one produce request as handed to kafkajs, and the partition of each. */
export class TrackedRequest {
  /** The partition kafkajs chose for the message at each position. */
  readonly chosen: Int32Array;
  /** Where the partitioner is within its current pass over the messages. */
  next = 0;
  /** The topic's partitions (with their leaders) as kafkajs saw them in each pass. */
  readonly passes: (readonly PartitionMetadata[])[] = [];

  constructor(
    readonly messages: readonly Message[],
    /** Put every message in this partition, whatever the partitioner would choose. */
    partition = UNCHOSEN,
  ) {
    this.chosen = new Int32Array(messages.length).fill(partition);
  }

  /** The partition kafkajs chose for the message at `index`, or undefined if it never chose. */
  partitionAt(index: number): number | undefined {
    const partition = this.chosen[index];
    return partition === UNCHOSEN ? undefined : partition;
  }

  /** The partitions the messages went to, in order of first use. */
  partitions(): number[] {
    const seen = new Set<number>();
    for (const partition of this.chosen) if (partition !== UNCHOSEN) seen.add(partition);
    return [...seen];
  }

  /**
   * Whether every partition used had one and the same leader in every pass: then each attempt of
   * kafkajs went as a single produce request to a single broker, which answers it as a whole.
   */
  usedOneLeader(): boolean {
    const partitions = this.partitions();
    let leader: number | undefined;
    for (const metadata of this.passes) {
      for (const partition of partitions) {
        const current = metadata.find(p => p.partitionId === partition)?.leader;
        if (current === undefined || (leader !== undefined && current !== leader)) return false;
        leader = current;
      }
    }
    return leader !== undefined;
  }
}

/**
 * Learns which partition kafkajs chose for each message the service sends, so a batched produce
 * response (one base offset per partition) can be split back into each call's own offsets.
 *
 * It wraps the producer's partitioner. kafkajs partitions a request's messages in order, in one
 * synchronous pass, and again on every retry; a pass over a tracked request starts at its first
 * message (the service's own copy, so the identity is unique) and the choices are noted by
 * position. The first choice is kept: a round-robin choice must not move a message that an
 * earlier attempt already placed. Messages the tracker does not know (raw producer,
 * transactions) are partitioned exactly as the wrapped partitioner says.
 *
 * Nothing is stored on the messages: kafkajs copies each message with object spread while
 * encoding, and every extra property (a symbol one above all) slows that copy down.
 */
export class PartitionTracker {
  private readonly byFirstMessage = new Map<Message, TrackedRequest>();
  /** The request whose partitioning pass is under way. */
  private passing: TrackedRequest | undefined;

  /** The partitioner to give kafkajs: `createPartitioner` of the producer config. */
  wrap(create: ICustomPartitioner = Partitioners.DefaultPartitioner): ICustomPartitioner {
    return () => {
      const choose = create();
      return args => {
        const request = this.requestOf(args.message);
        if (!request) return choose(args);
        const index = request.next++;
        if (index === 0) request.passes.push(args.partitionMetadata);
        if (request.next === request.messages.length) this.passing = undefined;
        const known = request.chosen[index];
        if (known >= 0 && known < args.partitionMetadata.length) return known;
        const partition = choose(args);
        request.chosen[index] = partition;
        return partition;
      };
    };
  }

  /**
   * Starts tracking the messages of a request the service is about to send; with `partition`,
   * kafkajs puts them all there.
   */
  track(messages: readonly Message[], partition?: number): TrackedRequest {
    const request = new TrackedRequest(messages, partition);
    if (messages.length > 0) this.byFirstMessage.set(messages[0], request);
    return request;
  }

  /** Runs `send` with `messages` tracked; resolves with its result and where each message went. */
  async during<T>(
    messages: readonly Message[],
    send: () => Promise<T>,
  ): Promise<{ result: T; request: TrackedRequest }> {
    const request = this.track(messages);
    try {
      return { result: await send(), request };
    } finally {
      this.release(request);
    }
  }

  /** Stops tracking a request once it has settled. */
  release(request: TrackedRequest): void {
    const first = request.messages[0];
    if (first !== undefined && this.byFirstMessage.get(first) === request) {
      this.byFirstMessage.delete(first);
    }
    if (this.passing === request) this.passing = undefined;
  }

  /** The tracked request `message` is the next message of, starting a pass at a first message. */
  private requestOf(message: Message): TrackedRequest | undefined {
    const passing = this.passing;
    if (passing !== undefined && passing.messages[passing.next] === message) return passing;
    const starting = this.byFirstMessage.get(message);
    if (starting) starting.next = 0;
    this.passing = starting;
    return starting;
  }
}
