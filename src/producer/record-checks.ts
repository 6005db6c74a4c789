import { CompressionTypes, type Message } from 'kafkajs';
import { KafkaSendError } from './errors';
import { payloadBytes } from './messages';
import type { TopicLimits } from './topic-limits';

/** Bytes of a record batch's header; `max.message.bytes` counts them too. */
export const RECORD_BATCH_OVERHEAD_BYTES = 61;
/** The fewest framing bytes a record takes: seven lengths, deltas and flags of one byte each. */
const MIN_RECORD_FRAMING_BYTES = 7;
/** Our clock may differ from the broker's: timestamps this close to a bound are its to judge. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** What the checks need to know of a call's (already checked) messages. */
export interface CheckedCall {
  readonly messages: readonly Message[];
  readonly largestPayload: number;
  readonly keylessAt: number;
  readonly earliestTimestamp: number;
  readonly latestTimestamp: number;
}

/**
 * The most estimated bytes (see `estimateRecordBytes`) one produce request to a topic may hold:
 * the batching bound, and less if the topic takes smaller batches. The estimate errs high, so no
 * partition's batch of such a request is refused as too large.
 */
export function requestByteCap(maxBatchBytes: number, limits: TopicLimits | undefined): number {
  if (!limits) return maxBatchBytes;
  return Math.max(1, Math.min(maxBatchBytes, limits.maxMessageBytes - RECORD_BATCH_OVERHEAD_BYTES));
}

/**
 * Why Kafka would certainly refuse a call, found before it shares a request with other calls
 * (Java's producer likewise fails a record too large before batching it); undefined if it may
 * go. Only certainties: a record that may fit once compressed goes, in a request of its own, and
 * the broker decides.
 */
export function refuseCall(
  topic: string,
  call: CheckedCall,
  limits: TopicLimits,
  compression: CompressionTypes | undefined,
): KafkaSendError | undefined {
  if (limits.compacted && call.keylessAt >= 0) {
    return new KafkaSendError(
      'RECORD_INVALID',
      topic,
      `Message ${call.keylessAt} for Kafka topic "${topic}" has no key, but the topic is compacted ` +
        '(cleanup.policy=compact), where Kafka refuses records without a key. Give every message ' +
        'a key. None of the messages of this call was sent.',
      undefined,
      [],
    );
  }
  const timestampRefusal = refuseTimestamps(topic, call, limits);
  if (timestampRefusal) return timestampRefusal;
  const room = limits.maxMessageBytes - RECORD_BATCH_OVERHEAD_BYTES - MIN_RECORD_FRAMING_BYTES;
  const uncompressed = compression === undefined || compression === CompressionTypes.None;
  if (!uncompressed || call.largestPayload <= room) return undefined;
  const index = call.messages.findIndex(message => payloadBytes(message) > room);
  return new KafkaSendError(
    'RECORD_TOO_LARGE',
    topic,
    `Message ${index} for Kafka topic "${topic}" has ${payloadBytes(call.messages[index])} bytes of key, value ` +
      `and headers; the topic takes record batches of at most ${limits.maxMessageBytes} bytes ` +
      `(max.message.bytes), ${RECORD_BATCH_OVERHEAD_BYTES + MIN_RECORD_FRAMING_BYTES} of them ` +
      'framing. Send smaller messages, compress them (the compression option of the send) or ' +
      "raise the topic's max.message.bytes. None of the messages of this call was sent.",
    undefined,
    [],
  );
}

/** A message whose own timestamp lies too far from now for the topic (only messages set one). */
function refuseTimestamps(
  topic: string,
  call: CheckedCall,
  limits: TopicLimits,
): KafkaSendError | undefined {
  const bounds = limits.timestamps;
  if (!bounds || call.earliestTimestamp === Infinity) return undefined;
  const now = Date.now();
  const earliest = now - bounds.beforeMaxMs - CLOCK_SKEW_MS;
  const latest = now + bounds.afterMaxMs + CLOCK_SKEW_MS;
  if (call.earliestTimestamp >= earliest && call.latestTimestamp <= latest) return undefined;
  const index = call.messages.findIndex(message => {
    const ms = Number(message.timestamp);
    return ms < earliest || ms > latest;
  });
  return new KafkaSendError(
    'RECORD_INVALID',
    topic,
    `Message ${index} for Kafka topic "${topic}" has the timestamp ` +
      `${String(call.messages[index].timestamp)}, further from now than the topic accepts ` +
      `(message.timestamp.before.max.ms ${bounds.beforeMaxMs}, message.timestamp.after.max.ms ` +
      `${bounds.afterMaxMs}). Send a current timestamp or none. None of the messages of this ` +
      'call was sent.',
    undefined,
    [],
  );
}
