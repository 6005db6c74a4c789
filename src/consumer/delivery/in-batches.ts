import type { ListenerRuntime } from '../message-dispatcher';
import type { BatchDispatcher } from './batch-dispatcher';
import type { PartitionRun } from './partition-run';

/** When a partition's first message of a batch still being gathered arrived (`maxBatchWait`). */
export type GatheringSince = Map<string, { readonly offset: string; readonly since: number }>;

export interface InBatchesOptions {
  readonly maxSize: number;
  readonly maxWaitMs: number;
  /** Per consumer, across its batches. */
  readonly gathering: GatheringSince;
  /** Pauses the partition for `delayMs` (a long retry backoff, or gathering a fuller batch). */
  pauseFor(delayMs: number, reason: 'retry' | 'gathering'): void;
}

/**
 * A batch listener's mode: the fetched messages go to the listener in arrays of up to `maxSize`.
 * A failed batch is delivered again from its first unfinished message, after its backoff.
 */
export async function deliverInBatches(
  run: PartitionRun,
  batches: BatchDispatcher,
  listener: ListenerRuntime,
  options: InBatchesOptions,
): Promise<void> {
  const { messages, scope } = run;
  const { maxSize, maxWaitMs, gathering } = options;
  const gatheringKey = run.parts.partitionId;
  for (let start = 0; start < messages.length;) {
    if (run.shouldStop(0)) return;
    const chunk = messages.slice(start, start + maxSize);
    if (chunk.length < maxSize && maxWaitMs > 0) {
      // The rest of a larger fetch: more may be on the broker already, fetch again at once.
      if (start > 0) return;
      const wait = gatherWait(gathering, gatheringKey, chunk[0].offset, maxWaitMs);
      if (wait > 0) {
        // Too few for a batch yet: leave them unresolved, fetch again once more may have come.
        options.pauseFor(wait, 'gathering');
        return;
      }
    }
    gathering.delete(gatheringKey);
    run.parts.inFlight.offset = chunk[0].offset;
    const { done, next } = await batches.deliver(listener, scope, chunk);
    if (run.abandoned) return;
    if (done > 0) {
      const committing = run.finished(chunk[done - 1].offset, done);
      if (committing) await committing;
    }
    start += done;
    if (next !== 'done' && next !== 'again') {
      if (typeof next === 'object') options.pauseFor(next.retryInMs, 'retry');
      return;
    }
    if (run.userPaused) return;
    const turnOver = run.tick(0);
    if (turnOver === true || (turnOver !== false && (await turnOver))) return;
  }
}

/** ms the partition still waits for a fuller batch whose first message is `offset`; 0 to go now. */
function gatherWait(
  gathering: GatheringSince,
  key: string,
  offset: string,
  maxWaitMs: number,
): number {
  let entry = gathering.get(key);
  if (!entry || entry.offset !== offset) {
    entry = { offset, since: Date.now() };
    gathering.set(key, entry);
  }
  return Math.max(0, entry.since + maxWaitMs - Date.now());
}
