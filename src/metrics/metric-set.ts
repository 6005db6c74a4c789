import { KafkaConfigError } from '../errors';
import type { MetricsRegistry } from './prom-client';

/** Metrics registered together in one registry, and taken out of it together at stop. */
export class MetricSet {
  private readonly names: string[] = [];

  constructor(private readonly registry: MetricsRegistry) {}

  /** Registers `metric` (built with `registers: []`); fails clearly if its name is taken. */
  add<T>(metric: T): T {
    const { name } = metric as { name: string };
    if (this.registry.getSingleMetric(name) !== undefined) {
      throw new KafkaConfigError(
        'kafka.metrics',
        `the registry already has a metric named ${name} (another app with Kafka metrics in this process?)`,
        'Give each app its own kafka.metrics.prefix or kafka.metrics.registry.',
      );
    }
    this.registry.registerMetric(metric);
    this.names.push(name);
    return metric;
  }

  unregister(): void {
    for (const name of this.names.splice(0)) this.registry.removeSingleMetric(name);
  }
}
