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
