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
export class ProducerMetrics {
  private readonly topics = new Map<string, TopicTally>();
  private readonly metrics: MetricSet;
  private settling: number | undefined;

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

  request(topic: string, messages: number): void {
    this.tally(topic).batches.observe(messages);
  }

  close(): void {
    this.metrics.unregister();
  }

  /** A call settled; `startedAt` is its `performance.now()` when it was made. */
  settled(topic: string, count: number, startedAt: number, error: unknown): void {
    const tally = this.tally(topic);
    tally.duration.observe((this.now() - startedAt) / 1000);
    if (error === undefined) {
      tally.messages += count;
      return;
    }
    const code = String((error as { code?: unknown } | null)?.code ?? 'UNKNOWN');
    tally.errors.set(code, (tally.errors.get(code) ?? 0) + 1);
  }

  /**
   * The clock, read once for all the calls a produce response settles together (up to 1,000):
   * the reading is dropped at the end of the synchronous loop that settles them.
   */
  private now(): number {
    if (this.settling === undefined) {
      this.settling = performance.now();
      queueMicrotask(() => (this.settling = undefined));
    }
    return this.settling;
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
