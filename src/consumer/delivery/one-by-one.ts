import type { ListenerRuntime, MessageDispatcher } from '../message-dispatcher';
import type { PartitionRun } from './partition-run';

/**
 * The default mode: a partition's messages go through the dispatcher one at a time, in order. A
 * failed message that waits for a long retry pauses the partition (`retryLater`) and ends the run.
 */
export async function deliverOneByOne(
  run: PartitionRun,
  dispatcher: MessageDispatcher,
  listeners: readonly ListenerRuntime[],
  retryLater: (delayMs: number) => void,
): Promise<void> {
  const { messages, scope } = run;
  const inFlight = run.parts.inFlight;
  for (let i = 0; i < messages.length; i++) {
    if (run.shouldStop(i)) return;
    const message = messages[i];
    inFlight.offset = message.offset;
    let outcome = dispatcher.deliver(listeners, scope, message);
    if (outcome instanceof Promise) outcome = await outcome;
    if (run.abandoned) return;
    if (outcome !== 'done') {
      // A retry: this partition waits (paused) while the group's other partitions go on.
      if (typeof outcome === 'object') retryLater(outcome.retryInMs);
      return;
    }
    const committing = run.finished(message.offset);
    if (committing) await committing;
    if (run.userPaused) return;
    const turnOver = run.tick(i);
    if (turnOver === true || (turnOver !== false && (await turnOver))) return;
  }
}
