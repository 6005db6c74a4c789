import type { Message, Producer, RecordMetadata } from 'kafkajs';
import type { PartitionTracker, TrackedRequest } from './partition-tracker';
import type { ProducerSession, RunOptions } from './producer-session';

/** What a resend needs: the session it sends through and the tracker that pins partitions. */
export interface ResendDeps {
  readonly session: Pick<ProducerSession, 'run'>;
  readonly tracker: PartitionTracker;
  /** How a failed resend treats the producer (the batcher keeps it on a refusal). */
  readonly runOptions?: RunOptions;
}

/**
 * kafkajs answers without a partition whose leader moved, during its retries, to a broker that
 * had already answered: it never sends those records again. This sends them once more, in their
 * order, to the partition they were meant for, on the same producer, and returns the answer with
 * their entries added. kafkajs rolled their sequence numbers back when the first attempt failed,
 * so if that attempt did write them, the broker recognises the duplicate and answers with the
 * offsets it gave them then: nothing is written twice. A partition whose resend fails stays
 * missing; the callers with records there get an error that says so (see splitMetadata).
 */
export async function resendDropped(
  deps: ResendDeps,
  topic: string,
  request: TrackedRequest,
  result: RecordMetadata[],
  producer: Producer,
  send: (producer: Producer, messages: Message[]) => Promise<RecordMetadata[]>,
): Promise<RecordMetadata[]> {
  const answered = new Set(result.filter(m => m.topicName === topic).map(m => m.partition));
  const dropped = request.partitions().filter(partition => !answered.has(partition));
  if (dropped.length === 0) return result;
  const completed = [...result];
  for (const partition of dropped) {
    const messages = request.messages.filter((_, i) => request.partitionAt(i) === partition);
    const tracked = deps.tracker.track(messages, partition);
    try {
      const again = await deps.session.run(used => send(used, messages), {
        ...deps.runOptions,
        onlyOn: producer,
      });
      const entry = again.find(m => m.topicName === topic && m.partition === partition);
      if (entry) completed.push(entry);
    } catch {
      // Reported through the missing offset.
    } finally {
      deps.tracker.release(tracked);
    }
  }
  return completed;
}
