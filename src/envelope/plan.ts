import { KafkaConfigError } from '../errors';
import type { KafkaListenerOptions, MidwayKafkaConfig } from '../interface';
import { checkEnvelopeConfig, checkUnmatched, type EnvelopePlan } from './settings';

/** How a listener reads envelopes (undefined: it does not), checked against its other options. */
export function resolveEnvelopePlan(
  options: KafkaListenerOptions,
  config: MidwayKafkaConfig,
  where: string,
): EnvelopePlan | undefined {
  const app = checkEnvelopeConfig(config.envelope);
  const { envelope, type, unmatchedType } = options;
  if (envelope !== undefined && typeof envelope !== 'boolean') {
    throw new KafkaConfigError(
      `${where}: envelope`,
      `must be true or false, got ${JSON.stringify(envelope)}`,
      'Use envelope: true to receive the data of {type, data, …} envelopes.',
    );
  }
  checkUnmatched(`${where}: unmatchedType`, unmatchedType);
  const types = checkTypes(`${where}: type`, type);
  if (!(envelope ?? app.enabled ?? false)) {
    if (types !== undefined || unmatchedType !== undefined) {
      throw new KafkaConfigError(
        `${where}: ${types !== undefined ? 'type' : 'unmatchedType'}`,
        'only applies to listeners that read envelopes',
        'Add envelope: true (or set kafka.envelope.enabled), or leave it out.',
      );
    }
    return undefined;
  }
  if (options.deserializer !== undefined) {
    throw new KafkaConfigError(
      `${where}: deserializer`,
      'cannot be combined with envelope: an envelope is JSON, and ctx.payload is its data',
      'Leave the deserializer out, or set envelope: false.',
    );
  }
  if (options.batch) {
    throw new KafkaConfigError(
      `${where}: envelope`,
      'batch listeners do not decode envelopes',
      "Use deserializer: 'json' and read each message's type, or drop batch: true.",
    );
  }
  return { types, unmatched: unmatchedType ?? app.unmatchedType ?? 'skip' };
}

function checkTypes(path: string, type: unknown): ReadonlySet<string> | undefined {
  if (type === undefined) return undefined;
  const list = Array.isArray(type) ? type : [type];
  if (list.length === 0 || !list.every(t => typeof t === 'string' && t !== '')) {
    throw new KafkaConfigError(
      path,
      `must be a type name or a non-empty list of them, got ${JSON.stringify(type)}`,
      "Use e.g. type: 'video.created' or type: ['video.created', 'video.updated'].",
    );
  }
  return new Set(list as string[]);
}
