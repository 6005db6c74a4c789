/** How often, and how patiently, a failing message is handed to its listener again. */
export interface RetryPolicy {
  /** Deliveries of a message to a listener, the first included; `Infinity` retries until it succeeds. */
  attempts: number;
  /** Wait before the first retry, in ms. */
  initialDelayMs: number;
  /** Upper bound of any wait, in ms. */
  maxDelayMs: number;
  /** Each wait is the previous one times this. */
  multiplier: number;
  /** Random spread of each wait, as a fraction of it (0.2 = ±20 %), so many consumers don't retry in step. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  initialDelayMs: 200,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.2,
};

/** The wait before delivery number `attempt + 1`, after `attempt` failed deliveries (attempt >= 1). */
export function retryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** (attempt - 1),
  );
  const spread = base * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(policy.maxDelayMs, Math.round(base + spread)));
}
