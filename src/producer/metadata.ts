import type { RecordMetadata } from 'kafkajs';

/**
 * Splits the response of one batched produce request back into each call's own result.
 *
 * kafkajs returns one `RecordMetadata` per partition with the `baseOffset` of the first record
 * it wrote there; the records of a partition get consecutive offsets in the order they were in
 * the request. So the k-th message (counted over the whole request) that went to partition p has
 * offset `baseOffset(p) + k`.
 *
 * Each call gets what a plain kafkajs `send` of its own messages would return: one entry per
 * partition its messages went to, in order of first use, whose `baseOffset` is the offset of the
 * call's first message in that partition. A call's messages in one partition are contiguous in
 * the request, so they have the offsets `baseOffset … baseOffset + n - 1`.
 *
 * Runs once per request over every message, so it works by position and avoids per-message
 * allocations beyond each call's own result.
 */
export function splitMetadata(
  topic: string,
  /** How many messages each call put in the request, in request order. */
  callSizes: readonly number[],
  response: readonly RecordMetadata[],
  /** The partition of the message at `position` in the whole request. */
  partitionAt: (position: number) => number | undefined,
): (RecordMetadata[] | Error)[] {
  const partitions = new PartitionOffsets(topic, response);
  const results: (RecordMetadata[] | Error)[] = new Array(callSizes.length);
  let position = 0;
  for (let call = 0; call < callSizes.length; call++) {
    const size = callSizes[call];
    if (size === 1) {
      // The common case (one message per call) without the per-call bookkeeping below.
      const partition = partitionAt(position++);
      results[call] =
        partition !== undefined && partitions.has(partition)
          ? [partitions.next(partition)]
          : missingOffset(topic, partition);
      continue;
    }
    const first: RecordMetadata[] = [];
    const seen = new Set<number>();
    let missing: Error | undefined;
    for (let i = 0; i < size; i++) {
      const partition = partitionAt(position++);
      if (partition === undefined || !partitions.has(partition)) {
        missing ??= missingOffset(topic, partition);
        continue;
      }
      if (seen.has(partition)) partitions.skip(partition);
      else {
        seen.add(partition);
        first.push(partitions.next(partition));
      }
    }
    results[call] = missing ?? first;
  }
  return results;
}

/** The next unassigned offset of each partition in one produce response. */
class PartitionOffsets {
  private readonly entries: (RecordMetadata | undefined)[] = [];
  /** Offsets handed out so far, per partition. */
  private readonly used: number[] = [];
  /** Each partition's base offset as a number, parsed once (NaN if there is none). */
  private readonly bases: number[] = [];

  constructor(topic: string, response: readonly RecordMetadata[]) {
    for (const entry of response) {
      if (entry.topicName !== topic) continue;
      this.entries[entry.partition] = entry;
      this.used[entry.partition] = 0;
      this.bases[entry.partition] = entry.baseOffset === undefined ? NaN : Number(entry.baseOffset);
    }
  }

  has(partition: number): boolean {
    return this.entries[partition] !== undefined;
  }

  /** The metadata of the next record of `partition`, with that record's own offset. */
  next(partition: number): RecordMetadata {
    const entry = this.entries[partition] as RecordMetadata;
    const used = this.used[partition]++;
    if (used === 0 || entry.baseOffset === undefined) return { ...entry };
    const offset = this.bases[partition] + used;
    const baseOffset = Number.isSafeInteger(offset)
      ? String(offset)
      : (BigInt(entry.baseOffset) + BigInt(used)).toString();
    return { ...entry, baseOffset };
  }

  /** Counts a record of `partition` that starts no new entry (a call's later message there). */
  skip(partition: number): void {
    this.used[partition]++;
  }
}

function missingOffset(topic: string, partition: number | undefined): Error {
  return new Error(
    `Kafka returned no offset for partition ${String(partition)} of topic "${topic}": ` +
      'its leader moved while the request was retried and sending the records there again ' +
      'failed too, so they may or may not have been written',
  );
}
