import type { EachBatchPayload } from 'kafkajs';
import type { InFlightBatch } from '../in-flight-batches';
import type { Membership } from '../membership';
import type { DeliveryScope } from '../message-dispatcher';
import type { CommitFn, OffsetCommitter } from '../offset-committer';

/** How often a long batch asks kafkajs to heartbeat (kafkajs itself throttles to heartbeatInterval). */
const HEARTBEAT_EVERY_MS = 1000;
/** A timer marks heartbeats due; the clock is also read every this many messages, for when
 * synchronous handlers keep the timer from firing. Reading it per message costs more than an empty handler. */
const CLOCK_CHECK_EVERY = 16;
const STALE_CHECK_EVERY = 32;

export interface PartitionRunParts {
  readonly payload: EachBatchPayload;
  readonly scope: DeliveryScope;
  readonly inFlight: InFlightBatch;
  readonly membership: Membership;
  readonly heartbeat: () => Promise<void>;
  readonly committer: OffsetCommitter;
  readonly commit: CommitFn;
  readonly partitionId: string;
  readonly autoCommit: boolean;
  readonly isStopping: () => boolean;
  readonly timeSliceMs: number;
}

/**
 * One kafkajs batch of one partition being handed out: what every delivery mode checks between
 * messages (stop, pause, rebalance, heartbeat, time slice) and how finished work is recorded. The
 * position moves (resolveOffset, at `close`) only past messages finished in offset order.
 */
export class PartitionRun {
  /** Set by `ctx.pause()`: hand out no further message. */
  userPaused = false;
  /** The last offset before which everything finished. */
  lastDone: string | undefined;
  private lastHeartbeat = Date.now();
  private heartbeatDue = false;
  private readonly turnEndsAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly parts: PartitionRunParts) {
    this.turnEndsAt = Date.now() + parts.timeSliceMs;
    this.timer = setInterval(() => (this.heartbeatDue = true), HEARTBEAT_EVERY_MS);
    this.timer.unref();
  }

  get messages(): EachBatchPayload['batch']['messages'] {
    return this.parts.payload.batch.messages;
  }

  get scope(): DeliveryScope {
    return this.parts.scope;
  }

  /** Shutdown stopped waiting for this batch: kafkajs is gone, touch nothing. */
  get abandoned(): boolean {
    return this.parts.inFlight.abandoned;
  }

  /** True when no further message may be handed out (checked before message `i`). */
  shouldStop(i: number): boolean {
    const { payload, membership, isStopping } = this.parts;
    if (membership.revoked || !payload.isRunning() || isStopping()) return true;
    // isStale (a seek on this partition) costs kafkajs a JSON.stringify: look every 32 messages.
    return i % STALE_CHECK_EVERY === 0 && payload.isStale();
  }

  /** Messages up to `offset` (`count` of them) finished; a commit that fell due is returned. */
  finished(offset: string, count = 1): Promise<void> | undefined {
    this.lastDone = offset;
    const { autoCommit, committer, partitionId, scope, commit } = this.parts;
    if (!autoCommit) return undefined;
    committer.markDone(partitionId, scope.topic, scope.partition, offset, count);
    return committer.isDue(false) ? committer.commitPending(commit) : undefined;
  }

  /**
   * Between messages (`i` counts them): heartbeats when one is due and commits overdue work.
   * true (or a promise of it) when the turn is over or the group rebalances: stop handing out.
   */
  tick(i: number): boolean | Promise<boolean> {
    if (
      !this.heartbeatDue &&
      !(i % CLOCK_CHECK_EVERY === 0 && Date.now() - this.lastHeartbeat >= HEARTBEAT_EVERY_MS)
    )
      return false;
    return this.beat();
  }

  private async beat(): Promise<boolean> {
    const { heartbeat, membership, committer, commit } = this.parts;
    this.heartbeatDue = false;
    this.lastHeartbeat = Date.now();
    await heartbeat().catch(() => undefined);
    if (this.abandoned || membership.revoked) return true;
    if (committer.isOverdue()) await committer.commitPending(commit);
    return this.lastHeartbeat >= this.turnEndsAt;
  }

  /** Ends the run: the position moves past what finished in order, so kafkajs fetches from there. */
  close(): void {
    clearInterval(this.timer);
    this.parts.inFlight.offset = undefined;
    // Once per batch: kafkajs's resolveOffset does Long arithmetic on every call.
    if (this.lastDone !== undefined && !this.abandoned)
      this.parts.payload.resolveOffset(this.lastDone);
  }
}
