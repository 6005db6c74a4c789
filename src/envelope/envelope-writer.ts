import { randomBytes } from 'node:crypto';
import type { MidwayKafkaConfig } from '../interface';
import type { EmitOptions } from '../producer/messages';
import { KafkaSerializationError } from '../producer/errors';
import { loadOtel } from '../tracing/otel';
import { encodeEnvelope } from './envelope';
import { checkEnvelopeConfig } from './settings';

/** Writes the envelopes of `emit(topic, data, { type })`. */
export class EnvelopeWriter {
  private readonly source: string;
  private readonly activeTraceId: () => string | undefined;

  constructor(config: MidwayKafkaConfig | undefined, tracing: boolean) {
    const envelope = checkEnvelopeConfig(config?.envelope);
    this.source = envelope.source ?? config?.kafkaConfig?.clientId ?? 'midway-kafka';
    if (tracing) {
      const { trace } = loadOtel();
      this.activeTraceId = () => trace.getActiveSpan()?.spanContext().traceId;
    } else {
      this.activeTraceId = () => undefined;
    }
  }

  /** The envelope's JSON text; its timestamp is the message's (now unless `options.timestamp`). */
  write(topic: string, data: unknown, options: EmitOptions): string {
    const { type } = options;
    if (typeof type !== 'string' || type === '') {
      throw new KafkaSerializationError(
        topic,
        `Invalid envelope type ${JSON.stringify(type)} for Kafka topic "${topic}": expected a non-empty string.`,
      );
    }
    if (data === undefined) {
      throw new KafkaSerializationError(
        topic,
        `Cannot emit an envelope of type '${type}' without data to Kafka topic "${topic}": use null for none.`,
      );
    }
    const { timestamp } = options;
    const ms =
      timestamp === undefined
        ? Date.now()
        : timestamp instanceof Date
          ? timestamp.getTime()
          : Number(timestamp);
    // An invalid timestamp is left out here: the message's own check names it.
    const at = Number.isSafeInteger(ms) && ms >= 0 ? new Date(ms).toISOString() : undefined;
    const traceId = options.traceId ?? this.activeTraceId() ?? randomBytes(16).toString('hex');
    try {
      return encodeEnvelope({
        type,
        data,
        timestamp: at,
        source: this.source,
        traceId,
      });
    } catch (error) {
      throw new KafkaSerializationError(
        topic,
        `Cannot serialise the data of an envelope of type '${type}' for Kafka topic "${topic}" to JSON: ${(error as Error).message}`,
        error,
      );
    }
  }
}
