import * as core from '@midwayjs/core';

/**
 * Midway 3's type for Kafka frameworks (`MidwayFrameworkType.MS_KAFKA`), by which
 * `@App(MidwayFrameworkType.MS_KAFKA)` finds the framework. Midway 4 removed framework types and
 * finds frameworks by name and namespace only: there this is undefined.
 */
export function kafkaFrameworkType(): unknown {
  const types = (core as Record<string, unknown>).MidwayFrameworkType as
    { MS_KAFKA?: unknown } | undefined;
  return types?.MS_KAFKA;
}
