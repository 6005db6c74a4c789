import type { ConsumerConfig } from 'kafkajs';
import { DEFAULT_CONSUMER_CONFIG } from './defaults';

/** No partition's share of a fetch goes below this, however many are handled at once. */
const MIN_PARTITION_SHARE = 64 * 1024;

/**
 * A group consumer's config with the framework's defaults under the user's, and a
 * `maxBytesPerPartition` (unless the user set one) of `maxBytes` shared among the partitions
 * kafkajs handles at once. One at a time (the default), a partition may fill the whole fetch:
 * kafkajs shuffles the partitions of every fetch request, so each gets its turn. With
 * `partitionsConsumedConcurrently: n`, each fetch holds work for n partitions: a fetch filled by
 * one partition would leave the other n − 1 idle until it is handled.
 */
export function consumerFetchSizes(
  config: ConsumerConfig,
  partitionsAtOnce: number,
): ConsumerConfig {
  const merged: ConsumerConfig = { ...DEFAULT_CONSUMER_CONFIG, ...config };
  if (merged.maxBytesPerPartition !== undefined) return merged;
  const maxBytes = merged.maxBytes ?? DEFAULT_CONSUMER_CONFIG.maxBytes;
  const share = Math.floor(maxBytes / Math.max(1, partitionsAtOnce));
  return { ...merged, maxBytesPerPartition: Math.max(MIN_PARTITION_SHARE, share) };
}
