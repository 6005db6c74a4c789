import type { Deserializer } from '../consumer/deserialize';
import { SKIP_MESSAGE } from '../consumer/skip-message';
import { decodeEnvelope } from './envelope';
import type { EnvelopePlan } from './settings';

/**
 * Decodes a listener's envelopes. One of a type the listener does not take is skipped, or (with
 * `unmatchedType: 'dead-letter'`) fails like an undecodable message, so the failure policy gets it.
 */
export function envelopeDeserializer(plan: EnvelopePlan): Deserializer {
  const { types, unmatched } = plan;
  return message => {
    const envelope = decodeEnvelope(message);
    if (types === undefined || types.has(envelope.type)) return envelope;
    if (unmatched === 'skip') return SKIP_MESSAGE;
    throw new Error(
      `its envelope type '${envelope.type}' is not one the listener takes (${[...types].join(', ')}) ` +
        "and unmatchedType is 'dead-letter'",
    );
  };
}
