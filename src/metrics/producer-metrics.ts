import type { RecordMetadata } from 'kafkajs';
import type { ProducerObserver, SendObservation } from '../observability/observer';
import { Buckets, CollectedMetric, histogramValues, type MetricValue } from './collected';
import { MetricSet } from './metric-set';
import type { Labels } from './prom-client';
import type { MetricsSettings } from './settings';

/** One topic's tallies, read when the metrics are scraped. */
class TopicTally {
  messages = 0;
  readonly errors = new Map<string, number>();
  readonly duration: Buckets;
  readonly batches: Buckets;

  constructor(
    readonly labels: Labels,
    settings: MetricsSettings,
  ) {
    this.duration = new Buckets(settings.buckets.send);
    this.batches = new Buckets(settings.buckets.batch);
  }
}

/** `KafkaService`'s Prometheus metrics: messages written, call durations, errors, request sizes. */
export class ProducerMetrics implements Omit<ProducerObserver, 'begin'> {
  private readonly topics = new Map<string, TopicTally>();
  private readonly metrics: MetricSet;

  constructor(private readonly settings: MetricsSettings) {
    const { prefix } = settings;
    const metrics = new MetricSet(settings.registry);
    this.metrics = metrics;
    const all = () => [...this.topics.values()];
    const histogram = (name: string, help: string, field: 'duration' | 'batches') => {
      const full = `${prefix}producer_${name}`;
      metrics.add(
        new CollectedMetric(full, help, 'histogram', () =>
          all().flatMap((t): MetricValue[] => histogramValues(full, t.labels, t[field])),
        ),
      );
    };
    metrics.add(
      new CollectedMetric(
        `${prefix}producer_messages_total`,
        'Messages KafkaService wrote (calls that resolved).',
        'counter',
        () => all().map(t => ({ labels: t.labels, value: t.messages })),
      ),
    );
    metrics.add(
      new CollectedMetric(
        `${prefix}producer_send_errors_total`,
        "KafkaService calls that failed, by the error's code.",
        'counter',
        () =>
          all().flatMap(t =>
            [...t.errors].map(([code, value]) => ({ labels: { ...t.labels, code }, value })),
          ),
      ),
    );
    histogram(
      'send_duration_seconds',
      'Time from a KafkaService call until Kafka acknowledged it (or it failed).',
      'duration',
    );
    histogram(
      'batch_messages',
      'Messages in one produce request (concurrent calls are coalesced).',
      'batches',
    );
  }

  begin(topic: string, messages: unknown): SendObservation {
    const startedAt = performance.now();
    const count = Array.isArray(messages) ? messages.length : 0;
    return {
      messages,
      end: outcome => {
        if (outcome instanceof Promise) {
          (outcome as Promise<RecordMetadata[]>).then(
            () => this.settled(topic, startedAt, count, undefined),
            (error: unknown) => this.settled(topic, startedAt, count, error),
          );
        } else {
          this.settled(topic, startedAt, count, outcome);
        }
      },
    };
  }

  request(topic: string, messages: number): void {
    this.tally(topic).batches.observe(messages);
  }

  close(): void {
    this.metrics.unregister();
  }

  private settled(topic: string, startedAt: number, count: number, error: unknown): void {
    const tally = this.tally(topic);
    tally.duration.observe((performance.now() - startedAt) / 1000);
    if (error === undefined) {
      tally.messages += count;
      return;
    }
    const code = String((error as { code?: unknown } | null)?.code ?? 'UNKNOWN');
    tally.errors.set(code, (tally.errors.get(code) ?? 0) + 1);
  }

  private tally(topic: string): TopicTally {
    let tally = this.topics.get(topic);
    if (!tally) {
      tally = new TopicTally({ topic, ...this.settings.labels }, this.settings);
      this.topics.set(topic, tally);
    }
    return tally;
  }
}
