import type { Consumer } from 'kafkajs';

/**
 * Resolves at the next join of `consumer`'s group; rejects when kafkajs gives up on it or the
 * join takes longer than `timeoutMs`. A crash kafkajs restarts itself (say, a coordinator still
 * loading) is waited out until the timeout.
 */
export function nextGroupJoin(consumer: Consumer, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the group was not joined within ${timeoutMs} ms (kafka.startTimeout)`));
    }, timeoutMs);
    // A start that failed otherwise must not be kept alive by this timer.
    timer.unref();
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
      cleanup();
      resolve();
    });
    const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      cleanup();
      reject(payload.error);
    });
    const cleanup = () => {
      clearTimeout(timer);
      offJoin();
      offCrash();
    };
  });
}
