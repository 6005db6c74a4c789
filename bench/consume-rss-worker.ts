/**
 * `bench:consume`'s memory run, in a process of its own and compiled to plain JavaScript: a
 * @KafkaListener (empty handler) started as production starts it, through @midwayjs/bootstrap,
 * drains the backlog in BENCH_RSS_TOPIC, then prints `{"maxRssBytes": …, "rate": …}` on its
 * last line. BENCH_RSS_CONSUMER_CONFIG (JSON) tries other fetch sizes, e.g. {"maxBytes":4194304}.
 */
import { join } from 'node:path';
import { Bootstrap } from '@midwayjs/bootstrap';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through bench/consume.bench.ts`);
  return value;
};

async function main(): Promise<void> {
  const messages = Number(env('BENCH_RSS_MESSAGES'));
  process.env.BENCH_CONSUME_TOPIC = env('BENCH_RSS_TOPIC');
  const { benchCounter } = await import('./fixtures/consume-app/src/counter');
  const finished = benchCounter.reset(messages);
  const appDir = join(__dirname, 'fixtures/consume-app');
  await Bootstrap.configure({
    appDir,
    baseDir: join(appDir, 'src'),
    logger: false,
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-rss', brokers: env('BENCH_RSS_BROKERS').split(',') },
        consumerConfig: {
          ...JSON.parse(process.env.BENCH_RSS_CONSUMER_CONFIG ?? '{}'),
          groupId: `bench-rss-${process.pid}-${Date.now()}`,
        },
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn', dir: join(appDir, 'logs') } },
    },
  }).run();
  await finished;
  const rate = (messages - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  // resourceUsage reports the peak resident set size in kilobytes.
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await Bootstrap.stop();
  console.log(JSON.stringify({ maxRssBytes, rate }));
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
