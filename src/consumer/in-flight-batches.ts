/** A batch kafkajs handed over and is waiting on, with the message being handled now. */
export interface InFlightBatch {
  readonly topic: string;
  readonly partition: number;
  /** The listeners of the topic, as `Class.method`. */
  readonly listeners: readonly string[];
  readonly startedAt: number;
  /** Offset of the message in hand (undefined between messages). */
  offset: string | undefined;
  /** Set once the batch was given up on: from then on it must not touch kafkajs. */
  abandoned: boolean;
}

interface Entry {
  readonly batch: InFlightBatch;
  readonly settle: () => void;
}

/**
 * The batches of one consumer that kafkajs is waiting on. kafkajs's stop (and disconnect) waits
 * for every one of them, so a handler that never returns would hold the app's shutdown forever;
 * `abandon()` lets kafkajs go on while such a handler keeps running on its own.
 */
export class InFlightBatches {
  private readonly entries = new Set<Entry>();

  /** Runs `work`; the returned promise settles with it, or as soon as the batch is abandoned. */
  run(batch: InFlightBatch, work: (batch: InFlightBatch) => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { batch, settle: resolve };
      this.entries.add(entry);
      work(batch).then(
        () => {
          this.entries.delete(entry);
          resolve();
        },
        (error: unknown) => {
          this.entries.delete(entry);
          reject(error);
        },
      );
    });
  }

  /** Batches still being worked on. */
  get running(): InFlightBatch[] {
    return [...this.entries].map(entry => entry.batch);
  }

  /** Stops waiting for every batch still running; returns them. */
  abandon(): InFlightBatch[] {
    const abandoned: InFlightBatch[] = [];
    for (const entry of this.entries) {
      entry.batch.abandoned = true;
      entry.settle();
      abandoned.push(entry.batch);
    }
    this.entries.clear();
    return abandoned;
  }
}

/** `Class.method on topic[partition]@offset, running for N ms`, for the shutdown log. */
export function describeInFlight(batch: InFlightBatch, now = Date.now()): string {
  const where = `${batch.topic}[${batch.partition}]${batch.offset === undefined ? '' : `@${batch.offset}`}`;
  return `${batch.listeners.join(', ')} on ${where} (batch started ${now - batch.startedAt} ms ago)`;
}
