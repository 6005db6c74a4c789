/** How `KafkaService` coalesces concurrent sends into batched produce requests. */
export interface ProducerBatchingOptions {
  /** Turn coalescing on (default true). */
  enabled: boolean;
  /** How long a send may wait for others to join its batch, in ms. */
  lingerMs: number;
  /** The most messages in one produce request. */
  maxBatchMessages: number;
  /** The most value bytes in one produce request. */
  maxBatchBytes: number;
}

export const DEFAULT_PRODUCER_BATCHING: ProducerBatchingOptions = {
  enabled: true,
  lingerMs: 1,
  maxBatchMessages: 2000,
  maxBatchBytes: 1024 * 1024,
};
