/**
 * `npm run bench:io`: throughput when the handler waits on I/O (5 ms, like a database write), 4
 * partitions, 20,000 messages with 1,000 distinct keys. Variants, each in a fresh process, in one
 * run, alternating, median of 3:
 * - kafkajs `eachMessage` with `partitionsConsumedConcurrently: 4` (what a hand-written consumer does);
 * - the listener one message at a time (the default), the same 4 partitions at once;
 * - the listener with `concurrency: 64` (key-ordered);
 * - a batch listener (`batch: true`) handling its batch with `Promise.all`.
 * Ideal: every partition with 64 messages waiting on I/O at all times = 4 × 64 / 5 ms.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { benchKafka } from './lib/broker';
import { fillTopic } from './lib/fill-topic';
import { median } from './lib/stats';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const PARTITIONS = 4;
const KEYS = 1000;
const IO_MS = 5;
const CONCURRENCY = 64;
const MESSAGE_BYTES = 256;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
const VARIANTS = ['kafkajs', 'one-by-one', 'concurrency', 'batch'] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  kafkajs: 'kafkajs eachMessage, 4 partitions at once',
  'one-by-one': '@KafkaListener, one message at a time',
  concurrency: `@KafkaListener, concurrency: ${CONCURRENCY}`,
  batch: '@KafkaListener, batch: true + Promise.all',
};

async function main(): Promise<void> {
  const { broker, kafka } = await benchKafka('bench-io');
  const topic = `bench-io-${randomBytes(3).toString('hex')}`;
  const rates = new Map<Variant, number[]>(VARIANTS.map(v => [v, []]));
  try {
    await fillTopic(kafka, topic, PARTITIONS, MESSAGES, MESSAGE_BYTES, i => `key-${i % KEYS}`);
    for (let rep = 0; rep < REPETITIONS; rep++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + rep) % VARIANTS.length]);
      for (const variant of order) {
        const rate = await runWorker(variant, broker.brokers, topic);
        rates.get(variant)!.push(rate);
        console.log(
          `  rep ${rep + 1} ${variant.padEnd(12)} ${Math.round(rate).toLocaleString('en-US')} msg/s`,
        );
      }
    }
  } finally {
    await broker.stop();
  }
  report(rates);
}

function runWorker(variant: Variant, brokers: string[], topic: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = fork(join(__dirname, 'io-worker.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        ...process.env,
        BENCH_IO_BROKERS: brokers.join(','),
        BENCH_IO_TOPIC: topic,
        BENCH_IO_MESSAGES: String(MESSAGES),
        BENCH_IO_VARIANT: variant,
        BENCH_IO_MODE: variant,
        BENCH_IO_MS: String(IO_MS),
        BENCH_IO_PARTITIONS: String(PARTITIONS),
        BENCH_IO_CONCURRENCY: String(CONCURRENCY),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.on('data', chunk => (output += chunk));
    child.stderr?.on('data', chunk => (output += chunk));
    child.once('exit', code => {
      const last = output.trim().split('\n').pop() ?? '';
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve((JSON.parse(last) as { rate: number }).rate);
      } catch (error) {
        reject(new Error(`the ${variant} run failed (${String(error)}):\n${output.slice(-3000)}`));
      }
    });
  });
}

function report(rates: Map<Variant, number[]>): void {
  const ideal = (PARTITIONS * CONCURRENCY * 1000) / IO_MS;
  console.log(`\nvariant                                    | median msg/s | runs`);
  console.log('-------------------------------------------|--------------|-----');
  for (const variant of VARIANTS) {
    const runs = rates.get(variant)!;
    console.log(
      `${LABELS[variant].padEnd(42)} | ${Math.round(median(runs)).toLocaleString('en-US').padStart(12)} | ${runs
        .map(r => Math.round(r).toLocaleString('en-US'))
        .join(', ')}`,
    );
  }
  console.log(
    `ideal: ${PARTITIONS} partitions × ${CONCURRENCY} / ${IO_MS} ms = ${ideal.toLocaleString('en-US')} msg/s`,
  );
  const concurrency = median(rates.get('concurrency')!);
  console.log(
    JSON.stringify({
      bench: 'io',
      ratio_concurrency_vs_kafkajs: Number(
        (concurrency / median(rates.get('kafkajs')!)).toFixed(1),
      ),
      ratio_vs_ideal: Number((concurrency / ideal).toFixed(2)),
    }),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
