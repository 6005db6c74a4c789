import type { KafkaMessage } from 'kafkajs';
import type { DeliveryOutcome, ListenerRuntime, MessageDispatcher } from '../message-dispatcher';
import { CompletionWatermark } from './completion-watermark';
import { KeyScheduler } from './key-scheduler';
import type { PartitionRun } from './partition-run';

/** Messages without a key that run in order share this key (no Kafka key decodes to it). */
const NO_KEY = '\u0000midway-kafka:no-key';

interface Entry {
  readonly message: KafkaMessage;
  readonly key: string | null;
  /** Its place in the watermark. */
  readonly index: number;
}

/**
 * Key-ordered concurrency: up to `limit` messages of the partition at once, never two with the
 * same key, each key in offset order. The commit follows the watermark (everything below it
 * finished), never a message still running. Retries wait in place, holding only their key.
 *
 * When the run must stop handing out (rebalance, stop, pause, time slice, a message that could not
 * finish), what already started finishes and the messages waiting for their keys still run: the
 * commit then reaches the last message handed out, and a graceful rebalance repeats nothing.
 */
export async function deliverConcurrently(
  run: PartitionRun,
  dispatcher: MessageDispatcher,
  listeners: readonly ListenerRuntime[],
  limit: number,
  unkeyed: 'concurrent' | 'ordered',
): Promise<void> {
  const { messages, scope } = run;
  const scheduler = new KeyScheduler<Entry>(limit);
  const watermark = new CompletionWatermark();
  let halted = false;
  let wake: (() => void) | undefined;
  const changed = () =>
    new Promise<void>(resolve => {
      wake = resolve;
    });

  const settle = (entry: Entry, outcome: DeliveryOutcome) => {
    if (run.abandoned) return;
    if (outcome === 'done') {
      const moved = watermark.finish(entry.index);
      // The commit chain orders commits; a failed one is logged and retried by the next.
      if (moved !== undefined) void run.finished(moved);
      const next = scheduler.finish(entry.key);
      if (next) launch(next);
    } else {
      // Not finished (rebalance, stop, 'stop' policy): its key's later messages must not pass it.
      halted = true;
      scheduler.abandon(entry.key);
    }
    wake?.();
  };
  const launch = (entry: Entry) => {
    const outcome = dispatcher.deliver(listeners, scope, entry.message);
    if (outcome instanceof Promise) {
      outcome.then(
        done => settle(entry, done),
        () => settle(entry, 'aborted'),
      );
    } else {
      settle(entry, outcome);
    }
  };

  for (let i = 0; i < messages.length; i++) {
    if (halted || run.userPaused || run.shouldStop(i)) break;
    while (scheduler.full) {
      await changed();
      if (run.abandoned) return;
    }
    if (halted || run.userPaused) break;
    const message = messages[i];
    const key = message.key
      ? message.key.toString('latin1')
      : unkeyed === 'ordered'
        ? NO_KEY
        : null;
    const entry: Entry = { message, key, index: watermark.track(message.offset) };
    if (scheduler.add(key, entry)) launch(entry);
    const turnOver = run.tick(i);
    if (turnOver === true || (turnOver !== false && (await turnOver))) break;
  }
  while (scheduler.running > 0) {
    await changed();
    if (run.abandoned) return;
    await run.tick(0);
  }
}
