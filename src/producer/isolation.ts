import type { Message, RecordMetadata } from 'kafkajs';
import { isTooLargeRejection, recordRejectionOf } from './errors';
import type { TrackedRequest } from './partition-tracker';

/** What became of one call of a produce request in which Kafka refused records. */
export type IsolatedOutcome =
  | { kind: 'written'; metadata: RecordMetadata[] }
  /** Kafka refused the call's own records; `written` lists its messages written all the same. */
  | { kind: 'refused'; error: unknown; written: number[] }
  /** Whether the call's messages were written cannot be established, for `reason`. */
  | { kind: 'unknown'; reason: string };

export interface RefusedRequest {
  /** How many messages each call put in the request, in request order. */
  callSizes: readonly number[];
  /** The request's messages and where kafkajs put each. */
  request: TrackedRequest;
  /** kafkajs's error: a refusal of some partition's records (see `recordRejectionOf`). */
  error: unknown;
  /** Whether the producer is idempotent: only then does the broker drop a batch sent again. */
  idempotent: boolean;
  /**
   * Sends `messages` to `partition` in one request of their own, with the producer that sent
   * the refused request; resolves with that partition's metadata.
   */
  resend(messages: Message[], partition: number): Promise<RecordMetadata>;
}

/** A call's messages in one partition: a contiguous run of that partition's batch. */
interface Segment {
  call: number;
  /** Positions of the messages within the call's share of the request. */
  indexes: number[];
  messages: Message[];
}

/** Segments of one partition to send as one request, in order. */
interface Unit {
  partition: number;
  segments: Segment[];
  /** Kafka's refusal of exactly these records (so none of them was written), if known. */
  refusal: unknown;
}

/** Per call: the offset of its first message in each partition, and what went wrong. */
interface CallState {
  firstOffsets: Map<number, { index: number; entry: RecordMetadata; offset: bigint }>;
  written: number[];
  refusal: unknown;
  unknown: string | undefined;
}

/**
 * After Kafka refused records of a produce request that several calls shared, writes every
 * message it did not refuse exactly once and tells each call what became of it, so that only
 * the calls whose own records were refused fail.
 *
 * kafkajs throws the first partition error of the response and hides the rest: the request's
 * other partitions may well have been written (and kafkajs rolled back the sequence numbers of
 * all of them). With an idempotent producer whose request went in one piece to one broker,
 * resending each partition's batch unchanged settles it: a batch the broker already wrote it
 * recognises by producer id and sequence numbers, and answers with its offsets without writing
 * it again; a batch it had not written it writes now. A batch Kafka refuses again is split in
 * halves by call (a single call's batch by message, when it was too large, as Java's producer
 * splits such a batch) and the halves sent in order, until only refused calls remain.
 *
 * What cannot be made certain this way (no idempotence, a request spread over several brokers, a
 * resend that fails otherwise) is reported as `unknown`; the caller then replaces the producer.
 */
export async function resendIsolated(refused: RefusedRequest): Promise<IsolatedOutcome[]> {
  const { request, callSizes } = refused;
  const partitions = request.partitions();
  const reason = undecidable(refused, partitions);
  if (reason !== undefined) return callSizes.map(() => ({ kind: 'unknown', reason }));

  const calls: CallState[] = callSizes.map(() => ({
    firstOffsets: new Map(),
    written: [],
    refusal: undefined,
    unknown: undefined,
  }));
  const units = unitsByPartition(request, callSizes, partitions);
  // A request to one partition was refused as a whole: no need to send it unchanged again.
  if (units.length === 1) units[0].refusal = refused.error;
  const pending = units.reverse();
  let stopped: string | undefined;
  while (pending.length > 0) {
    const unit = pending.pop() as Unit;
    if (stopped !== undefined) {
      for (const segment of unit.segments) calls[segment.call].unknown ??= stopped;
      continue;
    }
    if (unit.refusal === undefined) {
      try {
        const entry = await refused.resend(unitMessages(unit), unit.partition);
        noteWritten(calls, unit, entry);
        continue;
      } catch (error) {
        if (recordRejectionOf(error) === undefined) {
          stopped = `resending them failed (${error instanceof Error ? error.message : String(error)})`;
          pending.push(unit);
          continue;
        }
        unit.refusal = error;
      }
    }
    const halves = split(unit);
    if (halves) pending.push(halves[1], halves[0]);
    else calls[unit.segments[0].call].refusal ??= unit.refusal;
  }
  return calls.map(outcomeOf);
}

function undecidable(refused: RefusedRequest, partitions: number[]): string | undefined {
  const { request } = refused;
  for (let i = 0; i < request.messages.length; i++) {
    if (request.partitionAt(i) === undefined) return 'kafkajs did not report where it put them';
  }
  if (partitions.length === 1) return undefined;
  if (!refused.idempotent) {
    return (
      'the producer is not idempotent (kafka.producerConfig.idempotent: false), so sending ' +
      'them again could write them twice'
    );
  }
  if (!request.usedOneLeader()) {
    return 'the request went to several brokers, and kafkajs does not tell which of them wrote its part';
  }
  return undefined;
}

/** The request's messages grouped as kafkajs sent them: per partition, in request order. */
function unitsByPartition(
  request: TrackedRequest,
  callSizes: readonly number[],
  partitions: number[],
): Unit[] {
  const units = new Map<number, Unit>(
    partitions.map(partition => [partition, { partition, segments: [], refusal: undefined }]),
  );
  let position = 0;
  for (let call = 0; call < callSizes.length; call++) {
    const mine = new Map<number, Segment>();
    for (let index = 0; index < callSizes[call]; index++, position++) {
      const partition = request.partitionAt(position) as number;
      let segment = mine.get(partition);
      if (!segment) {
        segment = { call, indexes: [], messages: [] };
        mine.set(partition, segment);
        (units.get(partition) as Unit).segments.push(segment);
      }
      segment.indexes.push(index);
      segment.messages.push(request.messages[position]);
    }
  }
  return [...units.values()];
}

function unitMessages(unit: Unit): Message[] {
  return unit.segments.length === 1
    ? unit.segments[0].messages
    : unit.segments.flatMap(segment => segment.messages);
}

/** Halves of a refused unit to try on their own, or undefined if it is one call's to fail. */
function split(unit: Unit): [Unit, Unit] | undefined {
  const { segments, partition } = unit;
  const half = (parts: Segment[]): Unit => ({ partition, segments: parts, refusal: undefined });
  if (segments.length > 1) {
    const middle = Math.ceil(segments.length / 2);
    return [half(segments.slice(0, middle)), half(segments.slice(middle))];
  }
  const [segment] = segments;
  if (segment.messages.length < 2 || !isTooLargeRejection(unit.refusal)) return undefined;
  const middle = Math.ceil(segment.messages.length / 2);
  const piece = (from: number, to?: number): Segment => ({
    call: segment.call,
    indexes: segment.indexes.slice(from, to),
    messages: segment.messages.slice(from, to),
  });
  return [half([piece(0, middle)]), half([piece(middle)])];
}

/** Gives each message of a unit Kafka wrote its offset: consecutive from the batch's base. */
function noteWritten(calls: CallState[], unit: Unit, entry: RecordMetadata): void {
  let offset = BigInt(entry.baseOffset as string);
  for (const segment of unit.segments) {
    const call = calls[segment.call];
    const known = call.firstOffsets.get(unit.partition);
    if (!known || known.index > segment.indexes[0]) {
      call.firstOffsets.set(unit.partition, { index: segment.indexes[0], entry, offset });
    }
    for (const index of segment.indexes) call.written.push(index);
    offset += BigInt(segment.messages.length);
  }
}

function outcomeOf(call: CallState): IsolatedOutcome {
  if (call.unknown !== undefined) return { kind: 'unknown', reason: call.unknown };
  const written = call.written.sort((a, b) => a - b);
  if (call.refusal !== undefined) return { kind: 'refused', error: call.refusal, written };
  // As kafkajs reports a send: one entry per partition, in order of first use.
  const metadata = [...call.firstOffsets.entries()]
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([, { entry, offset }]) => ({ ...entry, baseOffset: offset.toString() }));
  return { kind: 'written', metadata };
}
