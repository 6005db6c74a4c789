import { KafkaConfigError } from '../errors';

/** The part of a prom-client `Registry` the component uses (prom-client 14 and 15 alike). */
export interface MetricsRegistry {
  registerMetric(metric: unknown): void;
  removeSingleMetric(name: string): void;
  getSingleMetric(name: string): unknown;
}

export type Labels = Record<string, string | number>;

/** What prom-client's metric classes take. */
export interface PromMetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  registers: MetricsRegistry[];
  collect?: () => void | Promise<void>;
}

/** The part of prom-client the component uses: its default registry, Gauge and Counter. */
export interface PromClient {
  readonly register: MetricsRegistry;
  readonly Gauge: new (config: PromMetricConfig) => PromGauge;
  readonly Counter: new (config: PromMetricConfig) => PromCounter;
}

export interface PromGauge {
  set(labels: Labels, value: number): void;
  reset(): void;
}

export interface PromCounter {
  inc(labels: Labels, value?: number): void;
}

let loaded: PromClient | undefined;

/**
 * prom-client, loaded only when `kafka.metrics.enabled` asks for it: an app without metrics never
 * loads it, and need not install it (it is an optional peer dependency).
 */
export function loadPromClient(): PromClient {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('prom-client') as PromClient;
  } catch (error) {
    throw new KafkaConfigError(
      'kafka.metrics.enabled',
      `metrics need the prom-client package, which could not be loaded (${(error as Error).message})`,
      'Install it (npm i prom-client), or set kafka.metrics.enabled to false.',
    );
  }
  return loaded;
}

/** True for a prom-client `Registry`, or an object shaped like one. */
export function isRegistry(value: unknown): value is MetricsRegistry {
  const registry = value as Partial<MetricsRegistry> | null;
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof registry.registerMetric === 'function' &&
    typeof registry.removeSingleMetric === 'function' &&
    typeof registry.getSingleMetric === 'function'
  );
}
