import type { Consumer, EachBatchPayload, Offsets, TopicPartitionOffset } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { GroupPlan } from '../listener/plan-groups';
import type { InFlightBatch, InFlightBatches } from './in-flight-batches';
import type { Membership } from './membership';
import { partitionKey, type CommitFn, type OffsetCommitter } from './offset-committer';
import type { DeliveryScope, ListenerRuntime, MessageDispatcher } from './message-dispatcher';
import type { PartitionPauses } from './partition-pauses';

export interface BatchHandlerDeps {
  readonly plan: GroupPlan;
  readonly runtimes: ReadonlyMap<string, readonly ListenerRuntime[]>;
  readonly dispatcher: MessageDispatcher;
  readonly committer: OffsetCommitter;
  readonly consumer: Consumer;
  readonly pauses: PartitionPauses;
  readonly inFlight: InFlightBatches;
  /** The generation of group membership batches belong to now (a new one after every join). */
  membership(): Membership;
  readonly isStopping: () => boolean;
  readonly logger: ILogger;
  /** How long one partition's batch is worked on before the consumer turns to its other partitions. */
  readonly timeSliceMs: number;
  /** Pauses the partition for a retry backoff and resumes it after `delayMs` (unless stopping). */
  retryLater(topic: string, partition: number, delayMs: number): void;
  /** The batch's own commit (kafkajs's consumer-group commit, one attempt, works while stopping). */
  onCommitAvailable(commit: CommitFn): void;
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
 *
 * A batch stops handing out messages (the one in hand always finishes) when:
 * - the group starts a rebalance: it commits what finished and rethrows the coordinator's answer,
 *   so kafkajs rejoins at once instead of after the whole fetch;
 * - the consumer stops, the partition is paused (retry, `'stop'` policy, `ctx.pause()`) or sought;
 * - it used up its time slice: the rest is fetched again after the other partitions had a turn.
 */
export function createBatchHandler(
  deps: BatchHandlerDeps,
): (payload: EachBatchPayload) => Promise<void> {
  const { plan, runtimes, logger, inFlight } = deps;
  return async payload => {
    const { topic, partition } = payload.batch;
    const listeners = runtimes.get(topic);
    if (!plan.topics.has(topic) || !listeners) {
      logger.warn(
        `[midway-kafka] group '${plan.groupId}' received ${topic}[${partition}] with no listener; leaving it unread`,
      );
      return;
    }
    const batch: InFlightBatch = {
      topic,
      partition,
      listeners: listeners.map(l => l.plan.id),
      startedAt: Date.now(),
      offset: undefined,
      abandoned: false,
    };
    return inFlight.run(batch, () => handleBatch(deps, payload, listeners, batch));
  };
}

async function handleBatch(
  deps: BatchHandlerDeps,
  payload: EachBatchPayload,
  listeners: readonly ListenerRuntime[],
  inFlight: InFlightBatch,
): Promise<void> {
  const { plan, dispatcher, committer, pauses } = deps;
  const { batch, resolveOffset, isRunning, isStale, commitOffsetsIfNecessary } = payload;
  const { topic, partition } = batch;
  const autoCommit = plan.topics.get(topic)?.autoCommit ?? true;
  const membership = deps.membership();
  // Unlike consumer.commitOffsets, the batch's commit still works while kafkajs is stopping.
  const commit: CommitFn = offsets => commitOffsetsIfNecessary(asTopics(offsets));
  deps.onCommitAvailable(commit);
  const heartbeat = membership.watch(payload.heartbeat);

  // A rebalance kafkajs noticed after the previous batch: this one hands out nothing.
  await heartbeat().catch(() => undefined);
  if (membership.revoked) return giveUpPartitions(committer, commit, membership);

  let userPaused = false;
  const partitionId = partitionKey(topic, partition);
  const scope: DeliveryScope = {
    id: `${plan.groupId}|${partitionId}`,
    groupId: plan.groupId,
    topic,
    partition,
    consumer: deps.consumer,
    heartbeat,
    pause: () => {
      userPaused = true;
      pauses.pause(topic, partition, 'user');
      return () => pauses.release(topic, partition, 'user');
    },
    stop: () => pauses.pause(topic, partition, 'stopped'),
    commitOffsets: offset => {
      const committing = committer.commitExactly(topic, partition, offset, commit);
      committing.catch(error =>
        deps.logger.warn(
          `[midway-kafka] ctx.commitOffsets(${String(offset)}) on ${topic}[${partition}] failed: ${String(error)}`,
        ),
      );
      return committing;
    },
    isAborted: () => membership.revoked || !isRunning() || isStale() || deps.isStopping(),
    inPlaceRetryBelowMs: plan.consumerConfig.maxWaitTimeInMs ?? KAFKAJS_MAX_WAIT_MS,
  };

  const turnEndsAt = Date.now() + deps.timeSliceMs;
  let lastHeartbeat = Date.now();
  let heartbeatDue = false;
  const heartbeatTimer = setInterval(() => (heartbeatDue = true), HEARTBEAT_EVERY_MS);
  heartbeatTimer.unref();
  let lastDone: string | undefined;
  const { messages } = batch;
  try {
    for (let i = 0; i < messages.length; i++) {
      // isStale (a seek on this partition) costs kafkajs a JSON.stringify: look every 32 messages.
      if (membership.revoked || !isRunning() || deps.isStopping()) break;
      if (i % STALE_CHECK_EVERY === 0 && isStale()) break;
      const message = messages[i];
      inFlight.offset = message.offset;
      let outcome = dispatcher.deliver(listeners, scope, message);
      if (outcome instanceof Promise) outcome = await outcome;
      // Shutdown stopped waiting for this batch: kafkajs is gone, touch nothing.
      if (inFlight.abandoned) return;
      if (outcome !== 'done') {
        // A retry: this partition waits (paused) while the group's other partitions go on.
        if (typeof outcome === 'object') deps.retryLater(topic, partition, outcome.retryInMs);
        break;
      }
      lastDone = message.offset;
      if (autoCommit) {
        committer.markDone(partitionId, topic, partition, message.offset);
        if (committer.isDue(false)) await committer.commitPending(commit);
      }
      if (userPaused) break;
      if (
        heartbeatDue ||
        (i % CLOCK_CHECK_EVERY === 0 && Date.now() - lastHeartbeat >= HEARTBEAT_EVERY_MS)
      ) {
        heartbeatDue = false;
        lastHeartbeat = Date.now();
        await heartbeat().catch(() => undefined);
        if (inFlight.abandoned) return;
        if (membership.revoked) break;
        if (committer.isOverdue()) await committer.commitPending(commit);
        if (lastHeartbeat >= turnEndsAt) break;
      }
    }
  } finally {
    clearInterval(heartbeatTimer);
    inFlight.offset = undefined;
    // The position moves past finished messages only; kafkajs fetches from there next time.
    // Once per batch: kafkajs's resolveOffset does Long arithmetic on every call.
    if (lastDone !== undefined && !inFlight.abandoned) resolveOffset(lastDone);
  }
  if (membership.revoked) return giveUpPartitions(committer, commit, membership);
  // On a stop, kafkajs leaves the group right after this returns: commit everything finished now.
  if (committer.isDue(true) || (deps.isStopping() && !isStale()))
    await committer.commitPending(commit);
}

/**
 * The group is rebalancing: commit what finished while this member still owns its partitions
 * (the coordinator accepts commits of the ending generation until everyone rejoined), then hand
 * kafkajs the coordinator's answer so it rejoins now.
 */
async function giveUpPartitions(
  committer: OffsetCommitter,
  commit: CommitFn,
  membership: Membership,
): Promise<never> {
  await committer.commitPending(commit);
  throw membership.revokedBy;
}

function asTopics(offsets: TopicPartitionOffset[]): Offsets {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
  }
  return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
}
