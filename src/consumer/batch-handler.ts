import type { Consumer, EachBatchPayload, Offsets, TopicPartitionOffset } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { GroupPlan, TopicPlan } from '../listener/plan-groups';
import { deliverConcurrently } from './delivery/concurrent';
import { deliverInBatches, type GatheringSince } from './delivery/in-batches';
import { deliverOneByOne } from './delivery/one-by-one';
import { PartitionRun } from './delivery/partition-run';
import type { InFlightBatch, InFlightBatches } from './in-flight-batches';
import type { Membership } from './membership';
import { partitionKey, type CommitFn, type OffsetCommitter } from './offset-committer';
import type { DeliveryScope, ListenerRuntime, MessageDispatcher } from './message-dispatcher';
import type { PartitionPauses } from './partition-pauses';
import type { ConsumerObserver } from '../observability/observer';

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
  /** Pauses the partition for `delayMs` (a retry backoff, or gathering a batch), unless stopping. */
  pauseFor(topic: string, partition: number, delayMs: number, reason: 'retry' | 'gathering'): void;
  /** The batch's own commit (kafkajs's consumer-group commit, one attempt, works while stopping). */
  onCommitAvailable(commit: CommitFn): void;
  /** Told each batch's high watermark and how far it got (consumer lag). */
  readonly observer: ConsumerObserver;
}

/** kafkajs's own default fetch wait, when a user config removed ours. */
const KAFKAJS_MAX_WAIT_MS = 5000;

/**
 * kafkajs's `eachBatch` for one group. A partition's messages reach its listeners one at a time,
 * with key-ordered concurrency, or in arrays (see src/consumer/delivery). A message is resolved (its
 * position advanced) only once it and everything before it finished, so an unfinished message is
 * fetched again; finished offsets are committed as offset + 1 only for auto-commit topics.
 *
 * A batch stops handing out messages (those in hand always finish) when:
 * - the group starts a rebalance: it commits what finished and rethrows the coordinator's answer,
 *   so kafkajs rejoins at once instead of after the whole fetch;
 * - the consumer stops, the partition is paused (retry, `'stop'` policy, `ctx.pause()`) or sought;
 * - it used up its time slice: the rest is fetched again after the other partitions had a turn.
 */
export function createBatchHandler(
  deps: BatchHandlerDeps,
): (payload: EachBatchPayload) => Promise<void> {
  const { plan, runtimes, logger, inFlight } = deps;
  const gathering: GatheringSince = new Map();
  return async payload => {
    const { topic, partition } = payload.batch;
    const topicPlan = plan.topics.get(topic);
    const listeners = runtimes.get(topic);
    if (!topicPlan || !listeners) {
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
    return inFlight.run(batch, () =>
      handleBatch(deps, payload, topicPlan, listeners, batch, gathering),
    );
  };
}

async function handleBatch(
  deps: BatchHandlerDeps,
  payload: EachBatchPayload,
  topicPlan: TopicPlan,
  listeners: readonly ListenerRuntime[],
  inFlight: InFlightBatch,
  gathering: GatheringSince,
): Promise<void> {
  const { plan, dispatcher, committer, pauses } = deps;
  const { topic, partition } = payload.batch;
  const membership = deps.membership();
  // Unlike consumer.commitOffsets, the batch's commit still works while kafkajs is stopping.
  const commit: CommitFn = offsets => payload.commitOffsetsIfNecessary(asTopics(offsets));
  deps.onCommitAvailable(commit);
  const heartbeat = membership.watch(payload.heartbeat);

  // A rebalance kafkajs noticed after the previous batch: this one hands out nothing.
  await heartbeat().catch(() => undefined);
  if (membership.revoked) return giveUpPartitions(committer, commit, membership);

  const { delivery } = topicPlan;
  // Once per batch: kafkajs returns the partition's end with every fetch, no extra request needed.
  const { highWatermark, messages } = payload.batch;
  deps.observer.fetched(plan.groupId, topic, partition, highWatermark, messages[0].offset);
  const partitionId = partitionKey(topic, partition);
  const scope: DeliveryScope = {
    id: `${plan.groupId}|${partitionId}`,
    groupId: plan.groupId,
    topic,
    partition,
    consumer: deps.consumer,
    heartbeat,
    pause: () => {
      run.userPaused = true;
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
    isAborted: () =>
      membership.revoked || !payload.isRunning() || payload.isStale() || deps.isStopping(),
    // Concurrent messages wait out their backoffs in place: a pause would hold up every key.
    inPlaceRetryBelowMs:
      delivery.kind === 'concurrent'
        ? Infinity
        : (plan.consumerConfig.maxWaitTimeInMs ?? KAFKAJS_MAX_WAIT_MS),
  };
  const run = new PartitionRun({
    payload,
    scope,
    inFlight,
    membership,
    heartbeat,
    committer,
    commit,
    partitionId,
    autoCommit: topicPlan.autoCommit,
    isStopping: deps.isStopping,
    timeSliceMs: deps.timeSliceMs,
  });
  const pauseFor = (delayMs: number, reason: 'retry' | 'gathering') =>
    deps.pauseFor(topic, partition, delayMs, reason);
  try {
    if (delivery.kind === 'one-by-one') {
      await deliverOneByOne(run, dispatcher, listeners, delayMs => pauseFor(delayMs, 'retry'));
    } else if (delivery.kind === 'concurrent') {
      await deliverConcurrently(run, dispatcher, listeners, delivery.limit, delivery.unkeyed);
    } else {
      await deliverInBatches(run, dispatcher.batches, listeners[0], {
        maxSize: delivery.maxSize,
        maxWaitMs: delivery.maxWaitMs,
        gathering,
        pauseFor,
      });
    }
  } finally {
    run.close();
    if (run.lastDone !== undefined)
      deps.observer.progressed(plan.groupId, topic, partition, run.lastDone);
  }
  if (inFlight.abandoned) return;
  if (membership.revoked) return giveUpPartitions(committer, commit, membership);
  // On a stop, kafkajs leaves the group right after this returns: commit everything finished now.
  if (deps.isStopping() && !payload.isStale()) await committer.commitPending(commit);
  // Otherwise the next fetch need not wait for the broker to answer this batch's commit.
  else if (committer.isDue(true)) committer.commitInBackground(commit);
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
