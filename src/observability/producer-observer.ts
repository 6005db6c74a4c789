import type { MetricsSettings } from '../metrics/settings';
import { ProducerMetrics } from '../metrics/producer-metrics';
import { loadOtel, Tracing } from '../tracing/otel';
import { ProducerTracing } from '../tracing/producer-tracing';
import { NO_PRODUCER_OBSERVER, type ProducerObserver } from './observer';

/** What observes `KafkaService`: metrics, tracing, both, or nothing (each loaded only when enabled). */
export function createProducerObserver(
  metrics: MetricsSettings | undefined,
  tracing: boolean,
): ProducerObserver {
  const measured = metrics ? new ProducerMetrics(metrics) : undefined;
  const traced = tracing ? new ProducerTracing(new Tracing(loadOtel())) : undefined;
  if (!measured && !traced) return NO_PRODUCER_OBSERVER;
  return {
    trace: traced ? (topic, messages) => traced.begin(topic, messages) : () => undefined,
    start: measured ? () => performance.now() : () => 0,
    settled: measured
      ? (topic, messages, startedAt, error) => measured.settled(topic, messages, startedAt, error)
      : () => undefined,
    request: measured ? (topic, messages) => measured.request(topic, messages) : () => undefined,
    close: () => measured?.close(),
  };
}
