/**
 * `bench:consume`'s memory run, in a process of its own: a @KafkaListener (empty handler) drains
 * the backlog in BENCH_RSS_TOPIC, then prints `{"maxRssBytes": …, "rate": …}` on its last line.
 */
import { join } from 'node:path';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through bench/consume.bench.ts`);
  return value;
};

async function main(): Promise<void> {
  const messages = Number(env('BENCH_RSS_MESSAGES'));
  process.env.BENCH_CONSUME_TOPIC = env('BENCH_RSS_TOPIC');
  const { createApp, close } = await import('@midwayjs/mock');
  const { benchCounter } = await import('./fixtures/consume-app/src/counter');
  const finished = benchCounter.reset(messages);
  const appDir = join(__dirname, 'fixtures/consume-app');
  // Under plain node Midway would look for the app in dist/: this one is compiled in place.
  const app = await createApp(appDir, {
    baseDir: join(appDir, 'src'),
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-rss', brokers: env('BENCH_RSS_BROKERS').split(',') },
        // BENCH_RSS_CONSUMER_CONFIG (JSON) tries other fetch sizes, e.g. {"maxBytes":4194304}.
        consumerConfig: {
          ...JSON.parse(process.env.BENCH_RSS_CONSUMER_CONFIG ?? '{}'),
          groupId: `bench-rss-${process.pid}-${Date.now()}`,
        },
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
    },
  });
  await finished;
  const rate = (messages - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  // resourceUsage reports the peak resident set size in kilobytes.
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  await close(app);
  console.log(JSON.stringify({ maxRssBytes, rate }));
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
