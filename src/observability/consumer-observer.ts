import type { Kafka } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { ListenerRuntime } from '../consumer/message-dispatcher';
import type { MidwayKafkaConfig } from '../interface';
import { ConsumerMetrics } from '../metrics/consumer-metrics';
import { resolveMetricsSettings } from '../metrics/settings';
import { loadOtel, Tracing } from '../tracing/otel';
import { traceListener } from '../tracing/consumer-tracing';
import { tracingEnabled } from '../tracing/settings';
import { NO_CONSUMER_OBSERVER, type ConsumerObserver } from './observer';

/** What watches the consumers: metrics and tracing as configured, each loaded only when enabled. */
export interface ConsumerInstruments {
  readonly observer: ConsumerObserver;
  /** The listener as the consumers run it: observed, and traced when tracing is on. */
  instrument(runtime: ListenerRuntime): ListenerRuntime;
}

/** Checks `kafka.metrics` and `kafka.tracing` and loads what they enable (failing start clearly). */
export function createConsumerInstruments(
  config: MidwayKafkaConfig,
  kafka: () => Kafka,
  logger: ILogger,
): ConsumerInstruments {
  const metrics = resolveMetricsSettings(config.metrics);
  const tracing = tracingEnabled(config.tracing) ? new Tracing(loadOtel()) : undefined;
  const observer = metrics
    ? new ConsumerMetrics(metrics, () => kafka().admin(), logger)
    : NO_CONSUMER_OBSERVER;
  return {
    observer: tracing ? refreshingTracing(observer, tracing) : observer,
    instrument: runtime => {
      const observed = { ...runtime, observer: observer.listener(runtime.plan) };
      return tracing ? traceListener(observed, tracing) : observed;
    },
  };
}

/** `observer`, and tracing looks again per fetched batch whether an SDK is registered. */
function refreshingTracing(observer: ConsumerObserver, tracing: Tracing): ConsumerObserver {
  return {
    listener: plan => observer.listener(plan),
    fetched: (groupId, topic, partition, highWatermark, firstOffset) => {
      tracing.refresh();
      observer.fetched(groupId, topic, partition, highWatermark, firstOffset);
    },
    progressed: (groupId, topic, partition, offset) =>
      observer.progressed(groupId, topic, partition, offset),
    statusChanged: event => observer.statusChanged(event),
    close: () => observer.close(),
  };
}
