import { KafkaConfigError } from '../errors';

/** What a listener does with an envelope whose `type` it does not take. */
export type UnmatchedTypePolicy = 'skip' | 'dead-letter';

/** `kafka.envelope`: the JSON envelope `{type, data, timestamp, source, traceId}`. */
export interface KafkaEnvelopeConfig {
  /** Every listener decodes envelopes unless it says `envelope: false` (default false: only those with `envelope: true`). */
  enabled?: boolean;
  /** `source` of the envelopes `emit` writes (default `kafka.kafkaConfig.clientId`). */
  source?: string;
  /**
   * An envelope whose type a listener does not take: `'skip'` (default) commits it without
   * calling the listener and counts it, as a `default:` branch that only logs would;
   * `'dead-letter'` hands it to the listener's failure policy.
   */
  unmatchedType?: UnmatchedTypePolicy;
}

/** How one listener reads envelopes. */
export interface EnvelopePlan {
  /** The types it takes; undefined: every type. */
  readonly types: ReadonlySet<string> | undefined;
  readonly unmatched: UnmatchedTypePolicy;
}

/** Checks `kafka.envelope`; returns it (empty when unset). */
export function checkEnvelopeConfig(config: KafkaEnvelopeConfig | undefined): KafkaEnvelopeConfig {
  const path = 'kafka.envelope';
  if (config === undefined || config === null) return {};
  if (typeof config !== 'object') {
    throw new KafkaConfigError(
      path,
      `must be an object, got ${JSON.stringify(config)}`,
      "Set e.g. { source: 'video-service' }.",
    );
  }
  if (config.enabled !== undefined && typeof config.enabled !== 'boolean') {
    throw new KafkaConfigError(
      `${path}.enabled`,
      `must be true or false, got ${JSON.stringify(config.enabled)}`,
      'Use true to make every listener decode envelopes.',
    );
  }
  if (config.source !== undefined && (typeof config.source !== 'string' || config.source === '')) {
    throw new KafkaConfigError(
      `${path}.source`,
      `must be a non-empty string, got ${JSON.stringify(config.source)}`,
      "Name the service, e.g. 'video-service'.",
    );
  }
  checkUnmatched(`${path}.unmatchedType`, config.unmatchedType);
  return config;
}

export function checkUnmatched(path: string, value: unknown): void {
  if (value !== undefined && value !== 'skip' && value !== 'dead-letter') {
    throw new KafkaConfigError(
      path,
      `must be 'skip' or 'dead-letter', got ${JSON.stringify(value)}`,
      "Use 'skip' (commit and count it) or 'dead-letter' (the failure policy takes it).",
    );
  }
}
