/** What is known about a message that failed and waits for its retry. */
interface FailingMessage {
  /** Deliveries so far, per listener id. */
  readonly attempts: Map<string, number>;
  /** Listeners that already handled it: a retry skips them. */
  readonly done: Set<string>;
}

interface PartitionFailures {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  readonly messages: Map<string, FailingMessage>;
}

/**
 * Retries happen by pausing the partition and fetching the message again later, so the attempt
 * counts live here between deliveries. Only failing messages have an entry: the lookup on the
 * happy path is one check of an empty map.
 */
export class FailingMessages {
  private readonly partitions = new Map<string, PartitionFailures>();

  get(partitionId: string, offset: string): FailingMessage | undefined {
    if (this.partitions.size === 0) return undefined;
    return this.partitions.get(partitionId)?.messages.get(offset);
  }

  /** Records a failed delivery and the listeners that had already handled the message. */
  recordFailure(
    where: { id: string; groupId: string; topic: string; partition: number },
    offset: string,
    listenerId: string,
    attempt: number,
    alreadyDone: readonly string[],
  ): void {
    let partition = this.partitions.get(where.id);
    if (!partition) {
      partition = {
        groupId: where.groupId,
        topic: where.topic,
        partition: where.partition,
        messages: new Map(),
      };
      this.partitions.set(where.id, partition);
    }
    let message = partition.messages.get(offset);
    if (!message) {
      message = { attempts: new Map(), done: new Set() };
      partition.messages.set(offset, message);
    }
    message.attempts.set(listenerId, attempt);
    for (const id of alreadyDone) message.done.add(id);
  }

  /** The message is finished (handled, dead-lettered, or stopped for a fresh start later). */
  settle(partitionId: string, offset: string): void {
    const partition = this.partitions.get(partitionId);
    if (!partition) return;
    partition.messages.delete(offset);
    if (partition.messages.size === 0) this.partitions.delete(partitionId);
  }

  /** After a rebalance: forget partitions the group no longer owns (their new owner starts afresh). */
  retainAssigned(groupId: string, assignment: Readonly<Record<string, number[]>>): void {
    for (const [id, failures] of this.partitions) {
      if (
        failures.groupId === groupId &&
        !assignment[failures.topic]?.includes(failures.partition)
      ) {
        this.partitions.delete(id);
      }
    }
  }
}
