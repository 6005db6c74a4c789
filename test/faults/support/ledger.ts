/** What one fault test measured, printed as one JSON line for docs/delivery-guarantees.md. */
export interface FaultReport {
  readonly fault: string;
  readonly kafkaVersion: string;
  /** Values the producer confirmed (acks -1). */
  readonly produced: number;
  /** Handler calls, duplicates included. */
  readonly handled: number;
  /** Confirmed values no handler ever saw. */
  readonly lost: number;
  /** Handler calls beyond the first for a value. */
  readonly duplicates: number;
  readonly durationMs: number;
}

export interface DeliveryCount {
  readonly lost: string[];
  readonly duplicates: number;
  /** Distinct handled values that were never confirmed: sends that failed yet were written. */
  readonly unconfirmed: number;
}

/** Compares the confirmed values with every value a handler was called with. */
export function countDeliveries(
  produced: Iterable<string>,
  handled: Iterable<string>,
): DeliveryCount {
  const seen = new Map<string, number>();
  for (const value of handled) seen.set(value, (seen.get(value) ?? 0) + 1);
  const confirmed = new Set(produced);
  const lost = [...confirmed].filter(value => !seen.has(value));
  let duplicates = 0;
  let unconfirmed = 0;
  for (const [value, times] of seen) {
    duplicates += times - 1;
    if (!confirmed.has(value)) unconfirmed++;
  }
  return { lost, duplicates, unconfirmed };
}

/** True once a handler has seen every value in `produced`. */
export function allHandled(produced: Iterable<string>, handled: Iterable<string>): boolean {
  const seen = new Set(handled);
  for (const value of produced) if (!seen.has(value)) return false;
  return true;
}

/** `extra`: scenario details worth recording next to the counts. */
export function printReport(
  report: FaultReport,
  extra: Record<string, number | string> = {},
): void {
  // One line, so the numbers are easy to pick out of the jest output.
  console.log(JSON.stringify({ ...report, ...extra }));
}

/** `name: message` of an error (and of its cause), for a report line. */
export function describeError(error: unknown): string {
  if (error === undefined) return 'none';
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error ? ` (cause ${error.cause.name}: ${error.cause.message})` : '';
  return `${error.name}: ${error.message}${cause}`;
}
