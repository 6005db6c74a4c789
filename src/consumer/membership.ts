/**
 * Error types with which the group coordinator tells a member that its partitions are being taken
 * away: a rebalance started, the generation is over, or the member is no longer known.
 */
const GIVING_UP_PARTITIONS = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
]);

/** True when `error` (or one of its causes) says the group is rebalancing away from this member. */
export function isRebalanceError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 8; depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && GIVING_UP_PARTITIONS.has(type)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * One generation of this member's group membership, from a join until the coordinator says a
 * rebalance started. Every batch of the generation watches it: once revoked, each one finishes
 * the message in hand, hands out no more, commits what finished and returns, so the member
 * rejoins promptly (as the Java client does before it sends JoinGroup).
 */
export class Membership {
  private reason: unknown = undefined;

  get revoked(): boolean {
    return this.reason !== undefined;
  }

  /** The coordinator's answer that ended the generation. */
  get revokedBy(): unknown {
    return this.reason;
  }

  revoke(reason: unknown): void {
    this.reason ??= reason;
  }

  /**
   * kafkajs's heartbeat, watched: a rebalance answer revokes the generation (and is still thrown,
   * so a handler calling `ctx.heartbeat()` can stop early).
   */
  watch(heartbeat: () => Promise<void>): () => Promise<void> {
    return () =>
      heartbeat().catch((error: unknown) => {
        if (isRebalanceError(error)) this.revoke(error);
        throw error;
      });
  }
}
