import type { Registry } from 'prom-client';

type Labels = Record<string, string | number>;

/**
 * The sum of the samples named `sample` (a metric name, or a histogram's `_count`, `_sum` or
 * `_bucket` line) whose labels include `labels`, as the registry would serve them now.
 */
export async function sampleOf(
  registry: Registry,
  sample: string,
  labels: Labels = {},
): Promise<number> {
  let total = 0;
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) {
      const name = (value as { metricName?: string }).metricName ?? metric.name;
      if (name !== sample) continue;
      const own = value.labels as Labels;
      if (
        Object.entries(labels).every(([key, expected]) => String(own[key]) === String(expected))
      ) {
        total += value.value;
      }
    }
  }
  return total;
}
