import { KafkaConfigError } from '../errors';

/** `kafka.tracing`: OpenTelemetry spans and W3C trace context in message headers. */
export interface KafkaTracingConfig {
  /**
   * Load `@opentelemetry/api` (an optional peer dependency): `KafkaService` writes `traceparent`
   * into the messages it sends and every delivery runs in a CONSUMER span. Without an SDK
   * registered by the app the API records nothing, and the component then does nothing per message.
   */
  enabled?: boolean;
}

/** True when `kafka.tracing` asks for tracing; checks its shape. */
export function tracingEnabled(config: KafkaTracingConfig | undefined): boolean {
  if (config === undefined || config === null) return false;
  if (typeof config !== 'object') {
    throw new KafkaConfigError(
      'kafka.tracing',
      `must be an object, got ${JSON.stringify(config)}`,
      'Set e.g. { enabled: true }.',
    );
  }
  if (config.enabled !== undefined && typeof config.enabled !== 'boolean') {
    throw new KafkaConfigError(
      'kafka.tracing.enabled',
      `must be true or false, got ${JSON.stringify(config.enabled)}`,
      'Use true to trace messages with OpenTelemetry.',
    );
  }
  return config.enabled === true;
}
