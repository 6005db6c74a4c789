import { checkNumbers } from '../config/check-number';
import { METRICS_RULES } from '../config/number-rules';
import { KafkaConfigError } from '../errors';
import { isRegistry, loadPromClient, type MetricsRegistry } from './prom-client';

/** `kafka.metrics`: Prometheus metrics through prom-client (an optional peer dependency). */
export interface KafkaMetricsConfig {
  /** Collect and register the metrics (default false: prom-client is then never loaded). */
  enabled?: boolean;
  /** A prom-client `Registry` (default: prom-client's default registry, the one `@midwayjs/prometheus` serves). */
  registry?: MetricsRegistry;
  /** Prefix of every metric name (default `kafka_`). */
  prefix?: string;
  /** Constant labels added to every series, e.g. `{ service: 'orders' }`. */
  labels?: Record<string, string>;
  /** Histogram bucket bounds (seconds; messages for `batch`), ascending. */
  buckets?: Partial<Record<BucketKind, number[]>>;
  /**
   * A partition's lag is computed from each fetch's high watermark. A partition fetched less
   * recently than this (ms, default 10000), say because it is paused, has its end read from the
   * broker when the metrics are scraped, never more often than this.
   */
  lagRefreshInterval?: number;
}

export type BucketKind = 'handler' | 'latency' | 'send' | 'batch';

export interface MetricsSettings {
  readonly registry: MetricsRegistry;
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Readonly<Record<BucketKind, readonly number[]>>;
  readonly lagRefreshInterval: number;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const DEFAULT_BUCKETS: Record<BucketKind, readonly number[]> = {
  handler: SECONDS,
  latency: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  send: SECONDS,
  batch: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
};

/** Labels the component's own series use; a constant label may not take one of these names. */
const OWN_LABELS = ['group', 'topic', 'partition', 'listener', 'state', 'code', 'le'];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** `kafka.metrics` checked, with defaults; undefined when metrics are off. Loads prom-client. */
export function resolveMetricsSettings(
  config: KafkaMetricsConfig | undefined,
): MetricsSettings | undefined {
  if (config === undefined || config === null) return undefined;
  const path = 'kafka.metrics';
  if (typeof config !== 'object') {
    throw new KafkaConfigError(
      path,
      `must be an object, got ${JSON.stringify(config)}`,
      'Set e.g. { enabled: true }.',
    );
  }
  if (config.enabled !== undefined && typeof config.enabled !== 'boolean') {
    throw new KafkaConfigError(
      `${path}.enabled`,
      `must be true or false, got ${JSON.stringify(config.enabled)}`,
      'Use true to collect metrics.',
    );
  }
  if (!config.enabled) return undefined;
  checkNumbers(path, config, METRICS_RULES);
  const prefix = config.prefix ?? 'kafka_';
  if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix))) {
    throw new KafkaConfigError(
      `${path}.prefix`,
      `${JSON.stringify(prefix)} cannot start a Prometheus metric name`,
      "Use letters, digits, '_' and ':' (not starting with a digit), e.g. 'kafka_'.",
    );
  }
  // Loaded even with a registry of the app's: the lag and state gauges are prom-client's own.
  const promClient = loadPromClient();
  const registry = config.registry ?? promClient.register;
  if (!isRegistry(registry)) {
    throw new KafkaConfigError(
      `${path}.registry`,
      'is not a prom-client Registry',
      'Pass a prom-client Registry (new Registry()), or leave it out for the default registry.',
    );
  }
  return {
    registry,
    prefix,
    labels: checkLabels(`${path}.labels`, config.labels ?? {}),
    buckets: {
      handler: checkBuckets(
        `${path}.buckets.handler`,
        config.buckets?.handler,
        DEFAULT_BUCKETS.handler,
      ),
      latency: checkBuckets(
        `${path}.buckets.latency`,
        config.buckets?.latency,
        DEFAULT_BUCKETS.latency,
      ),
      send: checkBuckets(`${path}.buckets.send`, config.buckets?.send, DEFAULT_BUCKETS.send),
      batch: checkBuckets(`${path}.buckets.batch`, config.buckets?.batch, DEFAULT_BUCKETS.batch),
    },
    lagRefreshInterval: config.lagRefreshInterval ?? 10_000,
  };
}

function checkLabels(path: string, labels: unknown): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new KafkaConfigError(
      path,
      'must be an object of label names and string values',
      "Set e.g. { service: 'orders' }.",
    );
  }
  for (const [name, value] of Object.entries(labels)) {
    if (!LABEL_NAME.test(name) || OWN_LABELS.includes(name)) {
      throw new KafkaConfigError(
        `${path}.${name}`,
        `'${name}' cannot be a constant label (the metrics use ${OWN_LABELS.join(', ')})`,
        'Use another label name made of letters, digits and _.',
      );
    }
    if (typeof value !== 'string') {
      throw new KafkaConfigError(
        `${path}.${name}`,
        `must be a string, got ${JSON.stringify(value)}`,
        'Give each constant label a string value.',
      );
    }
  }
  return { ...(labels as Record<string, string>) };
}

function checkBuckets(
  path: string,
  bounds: unknown,
  fallback: readonly number[],
): readonly number[] {
  if (bounds === undefined) return fallback;
  const valid =
    Array.isArray(bounds) &&
    bounds.length > 0 &&
    bounds.every(
      (b, i) =>
        typeof b === 'number' && Number.isFinite(b) && b > 0 && (i === 0 || b > bounds[i - 1]),
    );
  if (!valid) {
    throw new KafkaConfigError(
      path,
      `must be a non-empty list of ascending positive numbers, got ${JSON.stringify(bounds)}`,
      `Use e.g. [${fallback.slice(0, 4).join(', ')}, …], or leave it out.`,
    );
  }
  return [...(bounds as number[])];
}
