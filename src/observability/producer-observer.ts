import type { MetricsSettings } from '../metrics/settings';
import { ProducerMetrics } from '../metrics/producer-metrics';
import { loadOtel, Tracing } from '../tracing/otel';
import { ProducerTracing } from '../tracing/producer-tracing';
import type { ProducerObserver, SendObservation } from './observer';

/**
 * What observes `KafkaService`: metrics, tracing, both (tracing's headers are added first, so the
 * metrics see the messages as sent), or nothing (undefined: the service then does no extra work).
 */
export function createProducerObserver(
  metrics: MetricsSettings | undefined,
  tracing: boolean,
): ProducerObserver | undefined {
  const measured = metrics ? new ProducerMetrics(metrics) : undefined;
  const traced = tracing ? new ProducerTracing(new Tracing(loadOtel())) : undefined;
  if (!measured && !traced) return undefined;
  return {
    begin(topic: string, messages: unknown): SendObservation {
      const span = traced?.begin(topic, messages);
      const timed = measured?.begin(topic, span ? span.messages : messages);
      return {
        messages: (timed ?? span)!.messages,
        end: outcome => {
          timed?.end(outcome);
          span?.end(outcome);
        },
      };
    },
    request: (topic, count) => measured?.request(topic, count),
    close: () => measured?.close(),
  };
}
