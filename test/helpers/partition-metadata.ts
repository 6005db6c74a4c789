import type { PartitionerArgs } from 'kafkajs';

/** kafkajs's metadata for `count` partitions of one topic, all led by broker 1. */
export function partitionMetadata(count: number): PartitionerArgs['partitionMetadata'] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  })) as unknown as PartitionerArgs['partitionMetadata'];
}
