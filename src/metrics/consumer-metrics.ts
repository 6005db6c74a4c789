import type { Admin, KafkaMessage } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import type { ConsumerState, ConsumerStatusEvent } from '../consumer/consumer-status';
import type { PlannedListener } from '../listener/plan-groups';
import type { ConsumerObserver, ListenerObserver } from '../observability/observer';
import { Buckets, CollectedMetric, histogramValues, type MetricValue } from './collected';
import { ConsumerLag } from './consumer-lag';
import { loadPromClient, type Labels, type PromCounter, type PromGauge } from './prom-client';
import type { MetricsSettings } from './settings';
import { MetricSet } from './metric-set';

const STATES: ConsumerState[] = [
  'idle',
  'connecting',
  'connected',
  'joined',
  'rebalancing',
  'crashed',
  'restarting',
  'stopping',
  'stopped',
];

/** Converts `performance.now()` readings to wall-clock ms, resynchronised with every fetch. */
class WallClock {
  offset = Date.now() - performance.now();

  sync(): void {
    this.offset = Date.now() - performance.now();
  }
}

/**
 * After `DENSE_STREAK` deliveries in a row came faster than one every 10 µs (100,000 a second), a
 * listener times one delivery in `SAMPLE` and counts it `SAMPLE` times, until they slow down:
 * reading the clock twice costs as much as such a delivery's own work on some machines (about
 * 0.1 µs a reading on a virtual machine). Slower listeners have every delivery timed. Counters
 * are always exact.
 */
const DENSE_MS_PER_DELIVERY = 0.01;
const DENSE_STREAK = 256;
const SAMPLE = 16;

/** One listener's tallies: a few additions per delivery, read when the metrics are scraped. */
class ListenerTally implements ListenerObserver {
  messages = 0;
  errors = 0;
  retries = 0;
  deadLetters = 0;
  skips = 0;
  readonly duration: Buckets;
  readonly latency: Buckets;
  /** Deliveries until the next timed one; how many deliveries that one stands for. */
  private untilTimed = 1;
  private weight = 1;
  private lastTimedAt = 0;
  /** Timed deliveries in a row that came faster than DENSE_MS_PER_DELIVERY. */
  private denseStreak = 0;

  constructor(
    readonly labels: Labels,
    settings: MetricsSettings,
    private readonly clock: WallClock,
  ) {
    this.duration = new Buckets(settings.buckets.handler);
    this.latency = new Buckets(settings.buckets.latency);
  }

  /** 0 (no clock read) for a delivery that is not timed. */
  start(): number {
    return --this.untilTimed === 0 ? performance.now() : 0;
  }

  handled(message: KafkaMessage, startedAt: number, count: number): void {
    this.messages += count;
    if (startedAt === 0) return;
    const { weight } = this;
    const now = this.timed(startedAt);
    // Producer and consumer clocks may disagree a little: never a negative latency.
    const latency = this.clock.offset + now - Number(message.timestamp);
    this.latency.observe(latency > 0 ? latency / 1000 : 0, weight);
  }

  failed(startedAt: number): void {
    this.errors++;
    if (startedAt !== 0) this.timed(startedAt);
  }

  retried(): void {
    this.retries++;
  }

  deadLettered(): void {
    this.deadLetters++;
  }

  skipped(): void {
    this.skips++;
  }

  /** Records a timed delivery and decides how often to time the next ones; returns the time. */
  private timed(startedAt: number): number {
    const now = performance.now();
    this.duration.observe((now - startedAt) / 1000, this.weight);
    const dense = (now - this.lastTimedAt) / this.weight < DENSE_MS_PER_DELIVERY;
    this.denseStreak = dense ? this.denseStreak + 1 : 0;
    this.weight = this.denseStreak >= DENSE_STREAK ? SAMPLE : 1;
    this.untilTimed = this.weight;
    this.lastTimedAt = now;
    return now;
  }
}

type TallyCount = 'messages' | 'errors' | 'retries' | 'deadLetters' | 'skips';

/**
 * The consumers' Prometheus metrics. Per-message figures are tallied by each listener's
 * `ListenerTally` and read at scrape time; lag, group state and rebalances use prom-client's own
 * Gauge and Counter (they change per batch or per rebalance, not per message).
 */
export class ConsumerMetrics implements ConsumerObserver {
  private readonly tallies: ListenerTally[] = [];
  private readonly clock = new WallClock();
  private readonly lag: ConsumerLag;
  private readonly metrics: MetricSet;
  private readonly state: PromGauge;
  private readonly rebalances: PromCounter;

  constructor(
    private readonly settings: MetricsSettings,
    createAdmin: () => Admin,
    logger: ILogger,
  ) {
    const { prefix, labels } = settings;
    const constant = Object.keys(labels);
    const metrics = new MetricSet(settings.registry);
    this.metrics = metrics;
    this.lag = new ConsumerLag(createAdmin, settings.lagRefreshInterval, logger);
    const counter = (name: string, help: string, field: TallyCount) =>
      metrics.add(
        new CollectedMetric(`${prefix}consumer_${name}`, help, 'counter', () =>
          this.tallies.map(t => ({ labels: t.labels, value: t[field] })),
        ),
      );
    const histogram = (name: string, help: string, field: 'duration' | 'latency') => {
      const full = `${prefix}consumer_${name}`;
      metrics.add(
        new CollectedMetric(full, help, 'histogram', () =>
          this.tallies.flatMap((t): MetricValue[] => histogramValues(full, t.labels, t[field])),
        ),
      );
    };
    counter('messages_total', 'Messages a listener handled (returned for).', 'messages');
    counter(
      'handler_errors_total',
      'Failed deliveries: the listener threw, a guard refused, or the message could not be decoded.',
      'errors',
    );
    counter('retries_total', 'Failed deliveries that will be delivered again.', 'retries');
    counter('dead_lettered_total', 'Messages published to a dead-letter topic.', 'deadLetters');
    counter(
      'skipped_total',
      'Messages a listener does not take (envelopes of other types), committed untouched.',
      'skips',
    );
    histogram(
      'handler_duration_seconds',
      'Time a listener took for a message (or a batch), middleware and guards included.',
      'duration',
    );
    histogram(
      'end_to_end_latency_seconds',
      "From a message's timestamp to the end of its handling.",
      'latency',
    );
    const promClient = loadPromClient();
    const lagGauge: PromGauge = metrics.add(
      new promClient.Gauge({
        name: `${prefix}consumer_lag`,
        help: "Messages of a partition not consumed yet by this member's group: high watermark minus next offset.",
        labelNames: ['group', 'topic', 'partition', ...constant],
        registers: [],
        collect: async () => {
          const partitions = await this.lag.read();
          lagGauge.reset();
          for (const { groupId, topic, partition, lag } of partitions) {
            lagGauge.set({ group: groupId, topic, partition, ...labels }, lag);
          }
        },
      }),
    );
    this.state = metrics.add(
      new promClient.Gauge({
        name: `${prefix}consumer_group_state`,
        help: "1 for the state each group's consumer is in (joined, rebalancing, crashed …), 0 for the others.",
        labelNames: ['group', 'state', ...constant],
        registers: [],
      }),
    );
    this.rebalances = metrics.add(
      new promClient.Counter({
        name: `${prefix}consumer_rebalances_total`,
        help: 'Times a group was joined (after each rebalance; the first join counts too).',
        labelNames: ['group', ...constant],
        registers: [],
      }),
    );
  }

  listener(plan: PlannedListener): ListenerObserver {
    const labels = {
      group: plan.groupId,
      topic: plan.topic,
      listener: plan.id,
      ...this.settings.labels,
    };
    const tally = new ListenerTally(labels, this.settings, this.clock);
    this.tallies.push(tally);
    return tally;
  }

  fetched(
    groupId: string,
    topic: string,
    partition: number,
    highWatermark: string,
    firstOffset: string,
  ): void {
    this.clock.sync();
    this.lag.fetched(groupId, topic, partition, highWatermark, firstOffset);
  }

  progressed(groupId: string, topic: string, partition: number, offset: string): void {
    this.lag.progressed(groupId, topic, partition, offset);
  }

  statusChanged(event: ConsumerStatusEvent): void {
    const { labels } = this.settings;
    for (const state of STATES) {
      this.state.set({ group: event.groupId, state, ...labels }, state === event.state ? 1 : 0);
    }
    if (event.state === 'joined') {
      this.rebalances.inc({ group: event.groupId, ...labels });
      this.lag.retainAssigned(event.groupId, event.assignment ?? {});
    }
  }

  async close(): Promise<void> {
    this.metrics.unregister();
    await this.lag.close();
  }
}
