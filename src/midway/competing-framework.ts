import { FRAMEWORK_KEY, getProviderUUId, listModule } from '@midwayjs/core';
import { KafkaComponentError } from '../errors';
import type { ApplicationContainer } from './core-major';

/** The namespace, and configuration key, that this package and `@midwayjs/kafka` both use. */
const KAFKA_NAMESPACE = 'kafka';

/** Marks this package's framework class, so that a second copy of it is recognised as such. */
export const MIDWAY_KAFKA_FRAMEWORK = Symbol.for('midway-kafka:framework');

/**
 * Throws when another framework of this app claims the `kafka` namespace: `@midwayjs/kafka`
 * imported next to this package. Both would read `kafka` from the configuration and consume
 * Kafka, and on Midway 4 the guide's listeners would silently go to one of them only.
 */
export function assertOnlyKafkaFramework(container: ApplicationContainer, own: object): void {
  for (const framework of listModule(FRAMEWORK_KEY) as object[]) {
    if (framework === own || typeof framework !== 'function') continue;
    const definition = container.registry.getDefinition(getProviderUUId(framework));
    if (definition?.namespace !== KAFKA_NAMESPACE) continue;
    if (MIDWAY_KAFKA_FRAMEWORK in framework) {
      throw new KafkaComponentError(
        'FRAMEWORK_CONFLICT',
        'Two copies of midway-kafka are imported into this app (each registers the kafka framework). ' +
          'Import it once: make every package depend on the same midway-kafka version, so that only one copy is installed.',
      );
    }
    throw new KafkaComponentError(
      'FRAMEWORK_CONFLICT',
      `@midwayjs/kafka is imported into this app next to midway-kafka: its framework ` +
        `(${framework.name}) and midway-kafka's both register the 'kafka' framework and read ` +
        "the 'kafka' configuration. Remove @midwayjs/kafka from `imports` in your " +
        'configuration.ts and from package.json: midway-kafka runs the same ' +
        '@Consumer(MSListenerType.KAFKA) and @KafkaListener classes.',
    );
  }
}
