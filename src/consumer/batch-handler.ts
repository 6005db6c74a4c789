import type { EachBatchPayload } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { GroupPlan } from '../listener/plan-groups';
import { partitionKey, type CommitFn, type OffsetCommitter } from './offset-committer';
import type { DeliveryScope, ListenerRuntime, MessageDispatcher } from './message-dispatcher';
import type { Consumer, Offsets, TopicPartitionOffset } from 'kafkajs';

export interface BatchHandlerDeps {
  readonly plan: GroupPlan;
  readonly runtimes: ReadonlyMap<string, readonly ListenerRuntime[]>;
  readonly dispatcher: MessageDispatcher;
  readonly committer: OffsetCommitter;
  readonly consumer: () => Consumer;
  readonly isStopping: () => boolean;
  readonly logger: ILogger;
  /** Calls `resume` after `delayMs` (unless the consumer stops first). */
  retryLater(resume: () => void, delayMs: number): void;
}

/** How often a long batch asks kafkajs to heartbeat (kafkajs itself throttles to heartbeatInterval). */
const HEARTBEAT_EVERY_MS = 1000;
/** A timer marks heartbeats due; the clock is also read every this many messages, for when
 * synchronous handlers keep the timer from firing. Reading it per message costs more than an empty handler. */
const CLOCK_CHECK_EVERY = 16;
const STALE_CHECK_EVERY = 32;
/** kafkajs's own default fetch wait, when a user config removed ours. */
const KAFKAJS_MAX_WAIT_MS = 5000;

/**
 * kafkajs's `eachBatch` for one group: messages of a partition go through the dispatcher one at a
 * time, in order. A message is resolved (its position advanced) only once it is done, so a message
 * that was not finished is fetched again; its offset is committed as offset + 1 only for
 * auto-commit topics.
 */
export function createBatchHandler(
  deps: BatchHandlerDeps,
): (payload: EachBatchPayload) => Promise<void> {
  const { plan, runtimes, dispatcher, committer, logger } = deps;
  const inPlaceRetryBelowMs = plan.consumerConfig.maxWaitTimeInMs ?? KAFKAJS_MAX_WAIT_MS;
  return async ({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    pause,
    commitOffsetsIfNecessary,
  }) => {
    const { topic, partition } = batch;
    // Unlike consumer.commitOffsets, the batch's commit still works while kafkajs is stopping.
    const commit: CommitFn = offsets => commitOffsetsIfNecessary(asTopics(offsets));
    const topicPlan = plan.topics.get(topic);
    const listeners = runtimes.get(topic);
    if (!topicPlan || !listeners) {
      logger.warn(
        `[midway-kafka] group '${plan.groupId}' received ${topic}[${partition}] with no listener; leaving it unread`,
      );
      return;
    }
    const partitionId = partitionKey(topic, partition);
    const scope: DeliveryScope = {
      id: `${plan.groupId}|${partitionId}`,
      groupId: plan.groupId,
      topic,
      partition,
      consumer: deps.consumer(),
      heartbeat,
      pause,
      commitOffsets: offset => {
        const committing = committer.commitExactly(topic, partition, offset, commit);
        committing.catch(error =>
          logger.warn(
            `[midway-kafka] ctx.commitOffsets(${String(offset)}) on ${topic}[${partition}] failed: ${String(error)}`,
          ),
        );
        return committing;
      },
      isAborted: () => !isRunning() || isStale() || deps.isStopping(),
      inPlaceRetryBelowMs,
    };

    let lastHeartbeat = Date.now();
    let heartbeatDue = false;
    const heartbeatTimer = setInterval(() => (heartbeatDue = true), HEARTBEAT_EVERY_MS);
    heartbeatTimer.unref();
    let lastDone: string | undefined;
    const { messages } = batch;
    try {
      for (let i = 0; i < messages.length; i++) {
        // isStale (a seek on this partition) costs kafkajs a JSON.stringify: look every 32 messages.
        if (!isRunning() || deps.isStopping() || (i % STALE_CHECK_EVERY === 0 && isStale())) break;
        const message = messages[i];
        let outcome = dispatcher.deliver(listeners, scope, message);
        if (outcome instanceof Promise) outcome = await outcome;
        if (outcome !== 'done') {
          // A retry: this partition waits (paused) while the group's other partitions go on.
          if (typeof outcome === 'object') deps.retryLater(pause(), outcome.retryInMs);
          break;
        }
        lastDone = message.offset;
        if (topicPlan.autoCommit) {
          committer.markDone(partitionId, topic, partition, message.offset);
          if (committer.isDue(false)) await committer.commitPending(commit);
        }
        if (
          heartbeatDue ||
          (i % CLOCK_CHECK_EVERY === 0 && Date.now() - lastHeartbeat >= HEARTBEAT_EVERY_MS)
        ) {
          heartbeatDue = false;
          lastHeartbeat = Date.now();
          await heartbeat().catch(() => undefined);
          if (committer.isOverdue()) await committer.commitPending(commit);
        }
      }
    } finally {
      clearInterval(heartbeatTimer);
      // The position moves past finished messages only; kafkajs fetches from there next time.
      // Once per batch: kafkajs's resolveOffset does Long arithmetic on every call.
      if (lastDone !== undefined) resolveOffset(lastDone);
    }
    // On a stop, kafkajs leaves the group right after this returns: commit everything finished now.
    if (committer.isDue(true) || (deps.isStopping() && !isStale()))
      await committer.commitPending(commit);
  };
}

function asTopics(offsets: TopicPartitionOffset[]): Offsets {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
  }
  return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
}
