/**
 * `npm run bench:peers`: messages per second through an empty handler of midway-kafka's
 * `@KafkaListener`, Midway's own `@midwayjs/kafka` 4.x `@KafkaConsumer` (its `eachMessage`) and a
 * NestJS 12 `@EventPattern` on the Kafka transport, reading the same topic in the same run,
 * alternating, median of BENCH_REPETITIONS (3). Each run is a process of its own. The two Midway
 * variants run on Midway 4 (compat/midway4, `npm run midway4:install`: @midwayjs/kafka 4.x needs
 * it), with Midway 4's default async context manager on unless BENCH_ASYNC_CONTEXT=false; NestJS
 * is the root devDependency. Every framework keeps its own defaults (midway-kafka's fetch sizes,
 * kafkajs's for the others). The last line is JSON: midway-kafka over each peer, the worse of the
 * partition counts (BENCH_PARTITIONS, default 1,4).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchKafka } from './lib/broker';
import { childRate } from './lib/child-rate';
import { fillTopic } from './lib/fill-topic';
import { median, round, settleBeforeRun } from './lib/stats';
import { printTable } from './lib/table';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const MESSAGE_BYTES = 256;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
const PARTITION_COUNTS = (process.env.BENCH_PARTITIONS ?? '1,4').split(',').map(Number);
const ASYNC_CONTEXT = process.env.BENCH_ASYNC_CONTEXT !== 'false';
const ROOT = join(__dirname, '..');
const MIDWAY4 = join(ROOT, 'compat/midway4/node_modules');

const VARIANTS = ['midway-kafka', '@midwayjs/kafka', 'NestJS'] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  'midway-kafka': 'midway-kafka @KafkaListener (Midway 4)',
  '@midwayjs/kafka': '@midwayjs/kafka 4.x @KafkaConsumer eachMessage (Midway 4)',
  NestJS: 'NestJS 12 @EventPattern (Kafka transport)',
};

async function main(): Promise<void> {
  if (!existsSync(join(MIDWAY4, '@midwayjs/kafka/package.json'))) {
    // The peers are dev dependencies: @midwayjs/kafka 4.x is part of the Midway 4 set.
    console.log(
      'installing the Midway 4 packages (compat/midway4), @midwayjs/kafka 4.x among them',
    );
    const install = spawnSync('npm', ['run', 'midway4:install'], { cwd: ROOT, stdio: 'inherit' });
    if (install.status !== 0) throw new Error('npm run midway4:install failed');
  }
  const { broker, kafka } = await benchKafka('bench-peers');
  const run = randomBytes(3).toString('hex');
  const rates = new Map<string, number[]>();
  const ratesOf = (partitions: number, variant: Variant) => rates.get(`${partitions}|${variant}`)!;
  try {
    for (const partitions of PARTITION_COUNTS) {
      const topic = `bench-peers-${run}-${partitions}p`;
      await fillTopic(kafka, topic, partitions, MESSAGES, MESSAGE_BYTES);
      for (const variant of VARIANTS) rates.set(`${partitions}|${variant}`, []);
      for (let rep = 0; rep < REPETITIONS; rep++) {
        // Rotate the order so no variant always runs first (cold broker caches) or last.
        const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length]);
        for (const variant of order) {
          await settleBeforeRun();
          const rate = await measure(variant, broker.brokers, topic);
          ratesOf(partitions, variant).push(rate);
          console.log(
            `  ${partitions}p rep ${rep + 1} ${variant.padEnd(16)} ${Math.round(rate).toLocaleString('en-US')} msg/s`,
          );
        }
      }
    }
  } finally {
    await broker.stop();
  }

  console.log(
    `\nConsume, ${MESSAGES.toLocaleString('en-US')} messages of ${MESSAGE_BYTES} bytes, empty handlers, ` +
      `async context manager ${ASYNC_CONTEXT ? 'on' : 'off'}; medians of ${REPETITIONS}\n`,
  );
  printTable(
    ['partitions', 'variant', 'median msg/s', 'runs msg/s'],
    PARTITION_COUNTS.flatMap(partitions =>
      VARIANTS.map(variant => [
        partitions,
        LABELS[variant],
        Math.round(median(ratesOf(partitions, variant))),
        ratesOf(partitions, variant)
          .map(r => Math.round(r))
          .join(' / '),
      ]),
    ),
  );
  // The worse partition count: what users should expect.
  const ratio = (peer: Variant) =>
    round(
      Math.min(
        ...PARTITION_COUNTS.map(p => median(ratesOf(p, 'midway-kafka')) / median(ratesOf(p, peer))),
      ),
    );
  console.log(
    JSON.stringify({
      bench: 'peers',
      ratio_vs_midwayjs_kafka: ratio('@midwayjs/kafka'),
      ratio_vs_nest: ratio('NestJS'),
    }),
  );
}

/** One run of a variant in a fresh process and a fresh consumer group. */
function measure(variant: Variant, brokers: string[], topic: string): Promise<number> {
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    BENCH_CONSUME_TOPIC: topic,
    BENCH_GROUP: `bench-peers-${randomBytes(4).toString('hex')}`,
    BENCH_MESSAGES: String(MESSAGES),
  };
  if (variant === 'NestJS') {
    return childRate(
      join(__dirname, 'lib/nest-consumer.ts'),
      ['-r', 'ts-node/register/transpile-only'],
      env,
      variant,
    );
  }
  return childRate(
    join(__dirname, 'lib/framework-consumer.ts'),
    ['-r', join(ROOT, 'compat/register.js'), '-r', 'ts-node/register/transpile-only'],
    {
      ...env,
      MIDWAY_VERSION: '4',
      BENCH_APP: variant === 'midway-kafka' ? 'consume-app' : 'midwayjs-kafka-app',
      BENCH_ASYNC_CONTEXT: String(ASYNC_CONTEXT),
      BENCH_OBSERVED: 'false',
    },
    variant,
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
