/**
 * Decides which messages of one partition may run now under key-ordered concurrency: at most
 * `limit` at once, never two of one key at the same time, and each key's messages in offset order.
 * A message whose key is busy waits behind it while later messages of other keys go ahead.
 *
 * `key` null means "a key of its own": the message never waits for another.
 */
export class KeyScheduler<T> {
  private active = 0;
  /** Keys with a message running; their later messages wait here, in order. */
  private readonly waiting = new Map<string, T[]>();
  private queued = 0;

  constructor(readonly limit: number) {}

  /** Messages running now. */
  get running(): number {
    return this.active;
  }

  /** Messages waiting for their key. */
  get waitingCount(): number {
    return this.queued;
  }

  get full(): boolean {
    return this.active >= this.limit;
  }

  /**
   * Adds the next message in offset order (call only when not `full`): true if it may start now,
   * false if it waits for an earlier message of its key.
   */
  add(key: string | null, item: T): boolean {
    if (key !== null) {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push(item);
        this.queued++;
        return false;
      }
      this.waiting.set(key, []);
    }
    this.active++;
    return true;
  }

  /**
   * A message of `key` finished. Returns the next message of that key, which starts at once in
   * its place (the running count stays the same), or undefined.
   */
  finish(key: string | null): T | undefined {
    if (key !== null) {
      const queue = this.waiting.get(key);
      const next = queue?.shift();
      if (next !== undefined) {
        this.queued--;
        return next;
      }
      this.waiting.delete(key);
    }
    this.active--;
    return undefined;
  }

  /**
   * A message of `key` failed for good (its partition is stopped or given up): the key's waiting
   * messages never start. Returns how many were dropped.
   */
  abandon(key: string | null): number {
    this.active--;
    if (key === null) return 0;
    const dropped = this.waiting.get(key)?.length ?? 0;
    this.waiting.delete(key);
    this.queued -= dropped;
    return dropped;
  }
}
