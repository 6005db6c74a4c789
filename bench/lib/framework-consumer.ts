/**
 * One measured run of bench:consume's framework variant, in a process of its own so that it runs
 * on the Midway major of MIDWAY_VERSION (the parent starts it with compat/register.js). It boots
 * bench/fixtures/consume-app as production does, through @midwayjs/bootstrap (@midwayjs/mock
 * adds configuration hooks of its own to every object Midway 4 creates), counts BENCH_MESSAGES
 * deliveries of BENCH_CONSUME_TOPIC to its listener in the fresh group BENCH_GROUP, and sends the
 * rate to the parent. BENCH_ASYNC_CONTEXT turns Midway's async context manager on or off
 * (Midway 3's default is off, Midway 4's on); BENCH_OBSERVED turns kafka.metrics and
 * kafka.tracing on. It also reports its peak RSS (bench:consume's memory runs use it compiled).
 */
import { join } from 'node:path';
import { Bootstrap } from '@midwayjs/bootstrap';
import { benchCounter } from '../fixtures/consume-app/src/counter';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const messages = Number(env('BENCH_MESSAGES'));
  const finished = benchCounter.reset(messages);
  const appDir = join(__dirname, '../fixtures/consume-app');
  await Bootstrap.configure({
    appDir,
    baseDir: join(appDir, 'src'),
    logger: false,
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-framework', brokers: env('KAFKA_BROKERS').split(',') },
        // BENCH_CONSUMER_CONFIG (JSON) tries other consumer settings, e.g. {"maxBytes":4194304}.
        consumerConfig: {
          ...JSON.parse(process.env.BENCH_CONSUMER_CONFIG ?? '{}'),
          groupId: env('BENCH_GROUP'),
        },
        ...(process.env.BENCH_OBSERVED === 'true' ? await observability() : {}),
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn', dir: join(appDir, 'logs') } },
      asyncContextManager: { enable: env('BENCH_ASYNC_CONTEXT') === 'true' },
    },
  }).run();
  await finished;
  const rate = (messages - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  // The peak resident set size so far (resourceUsage reports kilobytes).
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await Bootstrap.stop();
  process.send!({ rate, maxRssBytes });
}

/** Metrics (in a registry of their own) and tracing on, without an OpenTelemetry SDK. */
async function observability() {
  const { Registry } = await import('prom-client');
  return { metrics: { enabled: true, registry: new Registry() }, tracing: { enabled: true } };
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
