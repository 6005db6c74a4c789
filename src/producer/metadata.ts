import type { Message, RecordMetadata } from 'kafkajs';

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
 */
export function splitMetadata(
  topic: string,
  calls: readonly (readonly Message[])[],
  response: readonly RecordMetadata[],
  /** The partition of a message, given with its position in the whole request. */
  partitionOf: (message: Message, position: number) => number | undefined,
): (RecordMetadata[] | Error)[] {
  const byPartition = new Map<number, RecordMetadata>();
  for (const entry of response) {
    if (entry.topicName === topic) byPartition.set(entry.partition, entry);
  }
  const usedPerPartition = new Map<number, number>();
  // The common case, one message per call, without the per-call bookkeeping below.
  let position = 0;
  const single = (message: Message): RecordMetadata[] | Error => {
    const partition = partitionOf(message, position++);
    const entry = partition === undefined ? undefined : byPartition.get(partition);
    if (partition === undefined || !entry) {
      return new Error(
        `Kafka returned no offset for partition ${String(partition)} of topic "${topic}"`,
      );
    }
    const used = usedPerPartition.get(partition) ?? 0;
    usedPerPartition.set(partition, used + 1);
    return [{ ...entry, baseOffset: addOffset(entry.baseOffset, used) }];
  };
  return calls.map(messages => {
    if (messages.length === 1) return single(messages[0]);
    const firstIndex = new Map<number, number>();
    let missing: Error | undefined;
    for (const message of messages) {
      const partition = partitionOf(message, position++);
      if (partition === undefined || !byPartition.has(partition)) {
        missing ??= new Error(
          `Kafka returned no offset for partition ${String(partition)} of topic "${topic}"`,
        );
        continue;
      }
      const used = usedPerPartition.get(partition) ?? 0;
      if (!firstIndex.has(partition)) firstIndex.set(partition, used);
      usedPerPartition.set(partition, used + 1);
    }
    if (missing) return missing;
    const result: RecordMetadata[] = [];
    for (const [partition, index] of firstIndex) {
      const entry = byPartition.get(partition) as RecordMetadata;
      result.push({ ...entry, baseOffset: addOffset(entry.baseOffset, index) });
    }
    return result;
  });
}

/** Offsets are 64-bit; kafkajs gives them as strings. */
function addOffset(base: string | undefined, delta: number): string | undefined {
  if (base === undefined) return undefined;
  if (delta === 0) return base;
  const sum = Number(base) + delta;
  return Number.isSafeInteger(sum) ? String(sum) : (BigInt(base) + BigInt(delta)).toString();
}
