import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `fn` and returns how long it took, in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Runs `worker` `concurrency` times in parallel over the indexes 0…count-1, each taken once. */
export async function runConcurrently(
  count: number,
  concurrency: number,
  worker: (index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await worker(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

/** Rounds for display: integers above 100, two significant decimals below. */
export function round(value: number): number {
  return value >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/**
 * Starts a measured run from a clean heap and a quiet broker: a full garbage collection (so one
 * variant does not pay for the garbage another left behind) and a short pause.
 */
export async function settleBeforeRun(pauseMs = 200): Promise<void> {
  collectGarbage();
  await new Promise(resolve => setTimeout(resolve, pauseMs));
}

let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    // `--expose-gc` set at run time applies to new contexts: take `gc` from one.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** The `p`-th percentile (0 < p <= 100) of a non-empty list, by the nearest-rank method. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}
