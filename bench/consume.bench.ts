/**
 * `npm run bench:consume`: messages per second through a @KafkaListener with an empty handler,
 * against raw kafkajs `eachMessage` and `eachBatch` consumers reading the same topic, in the same
 * run, alternating, median of 3. Starts its own broker unless KAFKA_BROKERS is set.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { benchBroker } from './lib/broker';
import { compileForNode } from './lib/compile';
import { median, settleBeforeRun } from './lib/stats';
import { DEFAULT_CONSUMER_CONFIG } from '../src/config/defaults';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const MESSAGE_BYTES = 256;
const REPETITIONS = 3;
// BENCH_PARTITIONS / BENCH_VARIANTS narrow a run while profiling; the ratios need all three variants.
const PARTITION_COUNTS = (process.env.BENCH_PARTITIONS ?? '1,4').split(',').map(Number);
const run = randomBytes(3).toString('hex');
/** Backlogs a listener drains in a process of its own, for its peak RSS ('' skips them). */
const RSS_BACKLOGS = (process.env.BENCH_RSS_BACKLOGS ?? '200000,1000000')
  .split(',')
  .filter(Boolean)
  .map(Number);
const RSS_SOURCES = ['consume-rss-worker.ts', 'fixtures/consume-app'];
const RSS_BUILD = join(__dirname, '.compiled');
const topicFor = (partitions: number) => `bench-consume-${run}-${partitions}p`;

// The fixture reads its topic when first loaded, so pick it before anything loads it.
process.env.BENCH_CONSUME_TOPIC = topicFor(PARTITION_COUNTS[0]);

/**
 * `eachBatch+fetch` is the raw eachBatch consumer with the framework's fetch sizes: not a target,
 * it shows how much of the framework's lead comes from its defaults and what its own code costs.
 * `framework+obs` (BENCH_OBSERVABILITY=1) is the listener with kafka.metrics and kafka.tracing
 * enabled and no OpenTelemetry SDK registered: what observability costs an app that turns it on.
 */
type Variant = 'framework' | 'framework+obs' | 'eachMessage' | 'eachBatch' | 'eachBatch+fetch';
const OBSERVABILITY = process.env.BENCH_OBSERVABILITY === '1';
const ALL_VARIANTS: Variant[] = [
  'framework',
  ...(OBSERVABILITY ? (['framework+obs'] as const) : []),
  'eachMessage',
  'eachBatch',
  'eachBatch+fetch',
];
const VARIANTS = (process.env.BENCH_VARIANTS?.split(',') as Variant[] | undefined) ?? ALL_VARIANTS;

/**
 * The order of repetition `rep`: rotated, so no variant always runs first (cold caches) or last.
 * With BENCH_OBSERVABILITY the listener with and without observability run back to back, first
 * one then the other, so the load of this shared machine changes little between the two.
 */
function runOrder(rep: number): Variant[] {
  const paired = OBSERVABILITY && VARIANTS.includes('framework+obs');
  const units: Variant[][] = paired
    ? [
        rep % 2 === 0 ? ['framework', 'framework+obs'] : ['framework+obs', 'framework'],
        ...VARIANTS.filter(v => v !== 'framework' && v !== 'framework+obs').map(v => [v]),
      ]
    : VARIANTS.map(v => [v]);
  return units.map((_, i) => units[(i + rep) % units.length]).flat();
}

async function main(): Promise<void> {
  const broker = await benchBroker();
  if (!process.env.KAFKA_BROKERS)
    console.log(`local Kafka ${broker.kafkaVersion} at ${broker.brokers.join(',')}`);
  const kafka = new Kafka({
    clientId: 'bench-consume',
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
  });
  const rows: { partitions: number; variant: Variant; rates: number[] }[] = [];
  const memory: { messages: number; maxRssBytes: number; rate: number }[] = [];
  try {
    for (const partitions of PARTITION_COUNTS) {
      const topic = topicFor(partitions);
      await fillTopic(kafka, topic, partitions);
      const rates = new Map<Variant, number[]>(VARIANTS.map(v => [v, []]));
      if (OBSERVABILITY && partitions === PARTITION_COUNTS[0]) {
        // Unmeasured: the first runs of a process are slower (JIT, broker caches), and these two are compared closely.
        for (const variant of ['framework', 'framework+obs'] as const)
          await measure(variant, kafka, broker.brokers, topic);
      }
      for (let rep = 0; rep < REPETITIONS; rep++) {
        for (const variant of runOrder(rep)) {
          await settleBeforeRun();
          const rate = await measure(variant, kafka, broker.brokers, topic);
          rates.get(variant)!.push(rate);
          console.log(
            `  ${partitions}p rep ${rep + 1} ${variant.padEnd(15)} ${Math.round(rate).toLocaleString('en-US')} msg/s`,
          );
        }
      }
      for (const variant of VARIANTS)
        rows.push({ partitions, variant, rates: rates.get(variant)! });
    }
    // Plain node, as in production: the worker and its app compiled once.
    if (RSS_BACKLOGS.length > 0) compileForNode(__dirname, RSS_SOURCES, RSS_BUILD);
    for (const messages of RSS_BACKLOGS) {
      const topic = `bench-rss-${run}-${messages}`;
      await fillTopic(kafka, topic, 4, messages);
      memory.push({ messages, ...(await measureRss(broker.brokers, topic, messages)) });
    }
  } finally {
    await broker.stop();
  }
  if (memory.length > 0) reportMemory(memory);
  if (VARIANTS.length === ALL_VARIANTS.length) report(rows);
}

/** Drains `topic` with a listener in a fresh process and returns its peak RSS. */
function measureRss(
  brokers: string[],
  topic: string,
  messages: number,
): Promise<{ maxRssBytes: number; rate: number }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const child = fork(join(RSS_BUILD, 'consume-rss-worker.js'), [], {
      execArgv: [],
      env: {
        ...process.env,
        // Plain JavaScript: Midway must not look for .ts files (a parent under ts-node says it may).
        MIDWAY_TS_MODE: 'false',
        BENCH_RSS_BROKERS: brokers.join(','),
        BENCH_RSS_TOPIC: topic,
        BENCH_RSS_MESSAGES: String(messages),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stdout?.on('data', chunk => (output += chunk));
    child.stderr?.on('data', chunk => (output += chunk));
    child.once('exit', code => {
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(
          JSON.parse(output.trim().split('\n').pop() ?? '') as {
            maxRssBytes: number;
            rate: number;
          },
        );
      } catch (error) {
        reject(new Error(`the memory run failed (${String(error)}):\n${output.slice(-3000)}`));
      }
    });
  });
}

function reportMemory(memory: { messages: number; maxRssBytes: number; rate: number }[]): void {
  console.log('\nbacklog drained by one listener process | peak RSS | msg/s');
  console.log('-----------------------------------------|----------|------');
  for (const { messages, maxRssBytes, rate } of memory) {
    console.log(
      `${messages.toLocaleString('en-US').padStart(40)} | ${`${Math.round(maxRssBytes / 2 ** 20)} MB`.padStart(8)} | ${Math.round(rate).toLocaleString('en-US')}`,
    );
  }
}

async function fillTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  count = MESSAGES,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const value = randomBytes(MESSAGE_BYTES / 2).toString('hex');
  const batch = 2000;
  for (let sent = 0; sent < count; sent += batch) {
    const messages = Array.from({ length: Math.min(batch, count - sent) }, (_, i) => ({
      value,
      partition: (sent + i) % partitions,
    }));
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
  console.log(
    `filled ${topic} with ${count.toLocaleString('en-US')} messages of ${MESSAGE_BYTES} bytes`,
  );
}

/** Messages per second from the first message to the last, for one fresh consumer group. */
async function measure(
  variant: Variant,
  kafka: Kafka,
  brokers: string[],
  topic: string,
): Promise<number> {
  const groupId = `bench-${variant}-${randomBytes(4).toString('hex')}`;
  if (variant === 'framework') return measureFramework(brokers, topic, groupId, false);
  if (variant === 'framework+obs') return measureFramework(brokers, topic, groupId, true);
  // The raw consumers use kafkajs's defaults, as a hand-written consumer would, and the same fetch
  // wait as the framework so neither idles longer at the end of the topic.
  const fetchSizes = variant === 'eachBatch+fetch' ? DEFAULT_CONSUMER_CONFIG : {};
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000, ...fetchSizes });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let firstAt = 0;
  const finished = new Promise<number>(resolve => {
    const tick = () => {
      if (count === 0) firstAt = performance.now();
      count++;
      if (count === MESSAGES) resolve(performance.now());
    };
    if (variant === 'eachMessage') {
      consumer.run({ eachMessage: async () => tick() });
    } else {
      consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          for (const message of batch.messages) {
            tick();
            resolveOffset(message.offset);
          }
          await heartbeat();
        },
      });
    }
  });
  const lastAt = await finished;
  await stopQuietly(consumer);
  return (MESSAGES - 1) / ((lastAt - firstAt) / 1000);
}

async function measureFramework(
  brokers: string[],
  topic: string,
  groupId: string,
  observed: boolean,
): Promise<number> {
  process.env.BENCH_CONSUME_TOPIC = topic;
  const { createApp, close } = await import('@midwayjs/mock');
  const { benchCounter } = await import('./fixtures/consume-app/src/counter');
  const finished = benchCounter.reset(MESSAGES);
  const observability = observed ? await observabilityConfig() : {};
  const app = await createApp(join(__dirname, 'fixtures/consume-app'), {
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-framework', brokers },
        consumerConfig: { groupId },
        ...observability,
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
    },
  });
  await finished;
  const rate = (MESSAGES - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  await close(app);
  return rate;
}

/** Metrics (in a registry of their own) and tracing on, without an OpenTelemetry SDK. */
async function observabilityConfig() {
  const { Registry } = await import('prom-client');
  return { metrics: { enabled: true, registry: new Registry() }, tracing: { enabled: true } };
}

async function stopQuietly(consumer: Consumer): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
}

function report(rows: { partitions: number; variant: Variant; rates: number[] }[]): void {
  console.log('\npartitions | variant         | median msg/s | runs');
  console.log('-----------|-----------------|--------------|-----');
  for (const row of rows) {
    const runs = row.rates.map(r => Math.round(r).toLocaleString('en-US')).join(', ');
    console.log(
      `${String(row.partitions).padStart(10)} | ${row.variant.padEnd(15)} | ${Math.round(median(row.rates)).toLocaleString('en-US').padStart(12)} | ${runs}`,
    );
  }
  // The ratios combine both partition counts: the framework's worst case is what users should expect.
  const ratio = (other: Variant) =>
    Math.min(
      ...PARTITION_COUNTS.map(p => {
        const rate = (v: Variant) =>
          median(rows.find(r => r.partitions === p && r.variant === v)!.rates);
        return rate('framework') / rate(other);
      }),
    );
  console.log(
    `(not a target: framework / raw eachBatch with the framework's fetch sizes = ${ratio('eachBatch+fetch').toFixed(2)})`,
  );
  const result: Record<string, string | number> = {
    bench: 'consume',
    ratio_vs_eachMessage: Number(ratio('eachMessage').toFixed(2)),
    ratio_vs_eachBatch: Number(ratio('eachBatch').toFixed(2)),
  };
  if (OBSERVABILITY) {
    // How much slower the listener is with metrics and tracing on, the worse partition count:
    // the median of the back-to-back pairs, and (for reference) the ratio of the two medians.
    const rates = (p: number, v: Variant) =>
      rows.find(r => r.partitions === p && r.variant === v)!.rates;
    const worst = (cost: (p: number) => number) =>
      Number(Math.max(...PARTITION_COUNTS.map(cost)).toFixed(3));
    result.observability_cost = worst(p => {
      const plain = rates(p, 'framework');
      return median(rates(p, 'framework+obs').map((observed, rep) => 1 - observed / plain[rep]));
    });
    result.observability_cost_of_medians = worst(
      p => 1 - median(rates(p, 'framework+obs')) / median(rates(p, 'framework')),
    );
  }
  console.log('\n(ratios: the smaller over 1 and 4 partitions of framework median / raw median)');
  console.log(JSON.stringify(result));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
