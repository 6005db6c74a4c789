/**
 * One measured run of bench:consume's framework variant (and bench:peers' Midway variants), in a
 * process of its own so that it runs on the Midway major of MIDWAY_VERSION (the parent starts it
 * with compat/register.js). It boots a bench app as production does, through
 * @midwayjs/bootstrap (@midwayjs/mock adds configuration hooks of its own to every object
 * Midway 4 creates), counts BENCH_MESSAGES deliveries of BENCH_CONSUME_TOPIC to its listener in
 * the fresh group BENCH_GROUP, and sends the rate to the parent. BENCH_APP picks the app:
 * `consume-app` (the default: a midway-kafka `@KafkaListener`) or `midwayjs-kafka-app` (a
 * `@KafkaConsumer` of Midway's own @midwayjs/kafka 4.x, Midway 4 only). BENCH_ASYNC_CONTEXT
 * turns Midway's async context manager on or off (Midway 3's default is off, Midway 4's on);
 * BENCH_OBSERVED turns kafka.metrics and kafka.tracing on; BENCH_CONSUMER_CONFIG (JSON) tries
 * other consumer settings. It also reports its peak RSS (bench:consume's memory runs use it
 * compiled).
 */
import { join } from 'node:path';
import { Bootstrap } from '@midwayjs/bootstrap';
import { logLevel } from 'kafkajs';
import { benchCounter } from '../fixtures/consume-app/src/counter';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const messages = Number(env('BENCH_MESSAGES'));
  const finished = benchCounter.reset(messages);
  const app = process.env.BENCH_APP ?? 'consume-app';
  const appDir = join(__dirname, '../fixtures', app);
  const brokers = env('KAFKA_BROKERS').split(',');
  const groupId = env('BENCH_GROUP');
  await Bootstrap.configure({
    appDir,
    baseDir: join(appDir, 'src'),
    logger: false,
    globalConfig: {
      kafka:
        app === 'midwayjs-kafka-app'
          ? midwayjsKafkaConfig(brokers, groupId, env('BENCH_CONSUME_TOPIC'))
          : {
              kafkaConfig: { clientId: 'bench-framework', brokers },
              // BENCH_CONSUMER_CONFIG (JSON) tries other settings, e.g. {"maxBytes":4194304}.
              consumerConfig: {
                ...JSON.parse(process.env.BENCH_CONSUMER_CONFIG ?? '{}'),
                groupId,
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

/**
 * @midwayjs/kafka 4.x's configuration for its `@KafkaConsumer('bench')`: kafkajs's client,
 * consumer and run options as they are, the topic read from the start.
 */
function midwayjsKafkaConfig(brokers: string[], groupId: string, topic: string) {
  return {
    consumer: {
      bench: {
        connectionOptions: {
          clientId: 'bench-midwayjs-kafka',
          brokers,
          logLevel: logLevel.NOTHING,
        },
        consumerOptions: { groupId },
        subscribeOptions: { topics: [topic], fromBeginning: true },
        consumerRunConfig: {},
      },
    },
  };
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
