import { waitFor } from '../../helpers/kafka';
import { allHandled, countDeliveries } from './ledger';

/** A producer that keeps sending numbered values until stopped, as an application would. */
export interface ProduceLoop {
  /** Values whose send resolved: the broker acknowledged them. */
  readonly confirmed: readonly string[];
  /** Sends that rejected (they count as not produced). */
  readonly failures: number;
  readonly lastError: unknown;
  /** Stops starting new sends and waits for the ones in flight. */
  stop(): Promise<void>;
}

export interface ProduceLoopOptions {
  /** Value prefix; values are `${prefix}-${lane}-${n}`. */
  prefix: string;
  /** Independent senders, so concurrent sends get coalesced like in a busy app. */
  lanes?: number;
  /** Pause between two sends of a lane: caps the rate on a small shared machine. */
  paceMs?: number;
}

export function startProducing(
  send: (value: string) => Promise<unknown>,
  { prefix, lanes = 4, paceMs = 10 }: ProduceLoopOptions,
): ProduceLoop {
  const confirmed: string[] = [];
  let failures = 0;
  let lastError: unknown;
  let running = true;
  const lane = async (id: number) => {
    for (let n = 0; running; n++) {
      const value = `${prefix}-${id}-${n}`;
      try {
        await send(value);
        confirmed.push(value);
      } catch (error) {
        failures++;
        lastError = error;
      }
      await new Promise(resolve => setTimeout(resolve, paceMs));
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, (_, id) => lane(id)));
  return {
    confirmed,
    get failures() {
      return failures;
    },
    get lastError() {
      return lastError;
    },
    stop: async () => {
      running = false;
      await done;
    },
  };
}

/** How a stream recovered after a fault, and what every confirmed value became. */
export interface Recovery {
  /** ms from the fault until the producer had confirmed `moreSends` more values. */
  producerMs: number;
  /** ms from the fault until every confirmed value was handled. */
  consumerMs: number;
  lost: string[];
  duplicates: number;
  /** Values handled although their send had failed (written, but not confirmed). */
  unconfirmed: number;
}

/**
 * After a fault at `faultAt`: waits for the producer to confirm `moreSends` more values, stops
 * it, waits until every confirmed value was handled, and counts lost and duplicate deliveries.
 */
export async function awaitRecovery(
  producing: ProduceLoop,
  handled: readonly string[],
  faultAt: number,
  moreSends: number,
  /** On a consumer that does not catch up: what the consumer and the broker say, for the error. */
  describeConsumer?: () => Promise<string>,
): Promise<Recovery> {
  const confirmedAtFault = producing.confirmed.length;
  await waitFor(
    () => producing.confirmed.length >= confirmedAtFault + moreSends,
    'the producer to send again',
    120_000,
  );
  const producerMs = Date.now() - faultAt;
  await producing.stop();
  try {
    await waitFor(
      () => allHandled(producing.confirmed, handled),
      'every confirmed value handled',
      120_000,
    );
  } catch (error) {
    const seen = new Set(handled);
    const missing = producing.confirmed.filter(value => !seen.has(value));
    const state = await describeConsumer?.().catch(e => `(could not describe: ${String(e)})`);
    throw new Error(
      `${(error as Error).message}: ${missing.length} of ${producing.confirmed.length} confirmed ` +
        `values never handled (first: ${missing.slice(0, 5).join(', ')}); ` +
        `last handled: ${handled[handled.length - 1]}; ${state ?? ''}`,
      { cause: error },
    );
  }
  const consumerMs = Date.now() - faultAt;
  const { lost, duplicates, unconfirmed } = countDeliveries(producing.confirmed, handled);
  return { producerMs, consumerMs, lost, duplicates, unconfirmed };
}
