/**
 * `npm run bench:consume`: messages per second through a @KafkaListener with an empty handler,
 * against raw kafkajs `eachMessage` and `eachBatch` consumers reading the same topic, in the same
 * run, alternating, median of 3. Starts its own broker unless KAFKA_BROKERS is set. The listener
 * runs on each Midway major of BENCH_MIDWAY (default: 3, and 4 once `npm run midway4:install`
 * has installed it), each run in a process of its own.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, type Consumer } from 'kafkajs';
import { benchKafka } from './lib/broker';
import { childMeasurement, childRate } from './lib/child-rate';
import { compileForNode } from './lib/compile';
import { fillTopic } from './lib/fill-topic';
import { median, settleBeforeRun } from './lib/stats';
import { consumerFetchSizes } from '../src/config/fetch-sizes';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200_000);
const MESSAGE_BYTES = 256;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);
// BENCH_PARTITIONS / BENCH_VARIANTS narrow a run while profiling; the ratios to raw kafkajs need
// every variant, the Midway 4 one needs framework and framework-midway4.
const PARTITION_COUNTS = (process.env.BENCH_PARTITIONS ?? '1,4').split(',').map(Number);
const run = randomBytes(3).toString('hex');
/** Backlogs a listener drains in a process of its own, for its peak RSS ('' skips them). */
const RSS_BACKLOGS = (process.env.BENCH_RSS_BACKLOGS ?? '200000,1000000')
  .split(',')
  .filter(Boolean)
  .map(Number);
/** Drains of each backlog; the worst counts, since a memory limit must hold for every run. */
const RSS_REPETITIONS = Number(process.env.BENCH_RSS_REPETITIONS ?? 2);
const RSS_SOURCES = ['lib/framework-consumer.ts', 'fixtures/consume-app'];
const RSS_BUILD = join(__dirname, '.compiled');
const topicFor = (partitions: number) => `bench-consume-${run}-${partitions}p`;

const MIDWAY4_INSTALLED = existsSync(join(__dirname, '../compat/midway4/node_modules'));
const MIDWAY_MAJORS = (process.env.BENCH_MIDWAY ?? (MIDWAY4_INSTALLED ? '3,4' : '3'))
  .split(',')
  .map(Number);

/**
 * `framework` is the listener on Midway 3, `framework-midway4` the same on Midway 4, both with
 * Midway 3's defaults (no async context manager). `framework-midway4-asyncctx` is Midway 4 with
 * its own default, the async context manager on: not a target, it shows what that feature costs.
 * `eachBatch+fetch` is the raw eachBatch consumer with the framework's fetch sizes: the listener
 * against it is the headline, what the framework's own code costs; against the raw consumers
 * with kafkajs's defaults, it is what a user switching from hand-written kafkajs gets.
 */
type FrameworkVariant =
  'framework' | 'framework+obs' | 'framework-midway4' | 'framework-midway4-asyncctx';
type Variant = FrameworkVariant | 'eachMessage' | 'eachBatch' | 'eachBatch+fetch';
/** BENCH_OBSERVABILITY=1 adds `framework+obs`: Midway 3 with kafka.metrics and kafka.tracing on. */
const OBSERVABILITY = process.env.BENCH_OBSERVABILITY === '1';
interface FrameworkRun {
  major: 3 | 4;
  asyncContext: boolean;
  /** Metrics (a registry of its own) and tracing on, no OpenTelemetry SDK registered. */
  observed?: boolean;
}
const FRAMEWORK_RUNS: Record<FrameworkVariant, FrameworkRun> = {
  framework: { major: 3, asyncContext: false },
  'framework+obs': { major: 3, asyncContext: false, observed: true },
  'framework-midway4': { major: 4, asyncContext: false },
  'framework-midway4-asyncctx': { major: 4, asyncContext: true },
};
const FRAMEWORKS = (Object.keys(FRAMEWORK_RUNS) as FrameworkVariant[]).filter(
  variant =>
    MIDWAY_MAJORS.includes(FRAMEWORK_RUNS[variant].major) &&
    (OBSERVABILITY || !FRAMEWORK_RUNS[variant].observed),
);
const ALL_VARIANTS: Variant[] = [...FRAMEWORKS, 'eachMessage', 'eachBatch', 'eachBatch+fetch'];
const VARIANTS = (process.env.BENCH_VARIANTS?.split(',') as Variant[] | undefined) ?? ALL_VARIANTS;

/**
 * The order of repetition `rep`: rotated, so no variant always runs first (cold caches) or last.
 * The listener with and without observability run back to back, so the load of this shared
 * machine changes little between the two runs compared.
 */
function runOrder(rep: number): Variant[] {
  const paired = VARIANTS.includes('framework') && VARIANTS.includes('framework+obs');
  const pair: Variant[] =
    rep % 2 === 0 ? ['framework', 'framework+obs'] : ['framework+obs', 'framework'];
  const units: Variant[][] = paired
    ? [pair, ...VARIANTS.filter(v => v !== 'framework' && v !== 'framework+obs').map(v => [v])]
    : VARIANTS.map(v => [v]);
  return units.map((_, i) => units[(i + rep) % units.length]).flat();
}

async function main(): Promise<void> {
  if (MIDWAY_MAJORS.some(major => major !== 3 && major !== 4)) {
    throw new Error(`BENCH_MIDWAY lists Midway majors 3 and 4, not '${process.env.BENCH_MIDWAY}'`);
  }
  if (MIDWAY_MAJORS.includes(4) && !MIDWAY4_INSTALLED) {
    throw new Error('BENCH_MIDWAY=4 needs the Midway 4 packages: npm run midway4:install');
  }
  const { broker, kafka } = await benchKafka('bench-consume');
  const rows: { partitions: number; variant: Variant; rates: number[] }[] = [];
  const memory: { messages: number; maxRssBytes: number; rate: number }[] = [];
  try {
    for (const partitions of PARTITION_COUNTS) {
      const topic = topicFor(partitions);
      await fillTopic(kafka, topic, partitions, MESSAGES, MESSAGE_BYTES);
      const rates = new Map<Variant, number[]>(VARIANTS.map(v => [v, []]));
      for (let rep = 0; rep < REPETITIONS; rep++) {
        // Rotate the order so no variant always runs first (cold caches) or last.
        const order = runOrder(rep);
        for (const variant of order) {
          await settleBeforeRun();
          const rate = await measure(variant, kafka, broker.brokers, topic);
          rates.get(variant)!.push(rate);
          console.log(
            `  ${partitions}p rep ${rep + 1} ${variant.padEnd(26)} ${Math.round(rate).toLocaleString('en-US')} msg/s`,
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
      await fillTopic(kafka, topic, 4, messages, MESSAGE_BYTES);
      for (let rep = 0; rep < RSS_REPETITIONS; rep++) {
        await settleBeforeRun();
        memory.push({ messages, ...(await measureRss(broker.brokers, topic, messages)) });
      }
    }
  } finally {
    await broker.stop();
  }
  if (memory.length > 0) reportMemory(memory);
  report(rows, memory);
}

/**
 * Drains `topic` with the listener in a fresh process of plain node (bench/lib/framework-consumer
 * compiled once), as in production, and returns its peak RSS.
 */
async function measureRss(
  brokers: string[],
  topic: string,
  messages: number,
): Promise<{ maxRssBytes: number; rate: number }> {
  const script = join(RSS_BUILD, 'lib/framework-consumer.js');
  const { rate, maxRssBytes } = await childMeasurement(
    script,
    [],
    {
      // Plain JavaScript: Midway must not look for .ts files (a parent under ts-node says it may).
      MIDWAY_TS_MODE: 'false',
      KAFKA_BROKERS: brokers.join(','),
      BENCH_CONSUME_TOPIC: topic,
      BENCH_GROUP: `bench-rss-${randomBytes(4).toString('hex')}`,
      BENCH_MESSAGES: String(messages),
      BENCH_ASYNC_CONTEXT: 'false',
    },
    'memory',
  );
  if (maxRssBytes === undefined) throw new Error(`${script} sent no peak RSS`);
  return { rate, maxRssBytes };
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

/** Messages per second from the first message to the last, for one fresh consumer group. */
async function measure(
  variant: Variant,
  kafka: Kafka,
  brokers: string[],
  topic: string,
): Promise<number> {
  const groupId = `bench-${variant}-${randomBytes(4).toString('hex')}`;
  if (variant in FRAMEWORK_RUNS) {
    return measureFramework(FRAMEWORK_RUNS[variant as FrameworkVariant], brokers, topic, groupId);
  }
  // The raw consumers use kafkajs's defaults, as a hand-written consumer would, and the same fetch
  // wait as the framework so neither idles longer at the end of the topic.
  const fetchSizes = variant === 'eachBatch+fetch' ? consumerFetchSizes({ groupId }, 1) : {};
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

/** One run of bench/lib/framework-consumer.ts, in a child process on Midway `major`. */
async function measureFramework(
  { major, asyncContext, observed = false }: FrameworkRun,
  brokers: string[],
  topic: string,
  groupId: string,
): Promise<number> {
  const root = join(__dirname, '..');
  return childRate(
    join(__dirname, 'lib/framework-consumer.ts'),
    ['-r', join(root, 'compat/register.js'), '-r', 'ts-node/register/transpile-only'],
    {
      MIDWAY_VERSION: String(major),
      KAFKA_BROKERS: brokers.join(','),
      BENCH_CONSUME_TOPIC: topic,
      BENCH_GROUP: groupId,
      BENCH_MESSAGES: String(MESSAGES),
      BENCH_ASYNC_CONTEXT: String(asyncContext),
      BENCH_OBSERVED: String(observed),
    },
    `Midway ${major}`,
  );
}

async function stopQuietly(consumer: Consumer): Promise<void> {
  await consumer.disconnect().catch(() => undefined);
}

function report(
  rows: { partitions: number; variant: Variant; rates: number[] }[],
  memory: { messages: number; maxRssBytes: number }[],
): void {
  console.log('\npartitions | variant                    | median msg/s | runs');
  console.log('-----------|----------------------------|--------------|-----');
  for (const row of rows) {
    const runs = row.rates.map(r => Math.round(r).toLocaleString('en-US')).join(', ');
    console.log(
      `${String(row.partitions).padStart(10)} | ${row.variant.padEnd(26)} | ${Math.round(median(row.rates)).toLocaleString('en-US').padStart(12)} | ${runs}`,
    );
  }
  // The ratios combine both partition counts: the framework's worst case is what users should expect.
  const ratesOf = (p: number, v: Variant) =>
    rows.find(r => r.partitions === p && r.variant === v)!.rates;
  const ratio = (variant: Variant, other: Variant) =>
    Math.min(...PARTITION_COUNTS.map(p => median(ratesOf(p, variant)) / median(ratesOf(p, other))));
  const round2 = (value: number) => Number(value.toFixed(2));
  const ratios = (framework: Variant) => ({
    ratio_vs_eachMessage: round2(ratio(framework, 'eachMessage')),
    ratio_vs_eachBatch: round2(ratio(framework, 'eachBatch')),
  });
  const measured = (variant: Variant) => VARIANTS.includes(variant);
  const result: Record<string, unknown> = { bench: 'consume' };
  const [first] = FRAMEWORKS.filter(measured);
  if (VARIANTS.length === ALL_VARIANTS.length) {
    // The headline: against raw kafkajs with the same fetch sizes, the framework's own cost.
    result.ratio_vs_eachBatch_same_fetch = round2(ratio(first, 'eachBatch+fetch'));
    Object.assign(result, ratios(first));
    if (measured('framework-midway4')) result.midway4 = ratios('framework-midway4');
  }
  if (measured('framework') && measured('framework-midway4')) {
    result.ratio_midway4_vs_midway3 = round2(ratio('framework-midway4', 'framework'));
    // The same, pairing the two runs of each repetition: steadier on a machine whose load drifts.
    const paired = PARTITION_COUNTS.flatMap(p => {
      const midway3 = ratesOf(p, 'framework');
      return ratesOf(p, 'framework-midway4').map((rate, rep) => rate / midway3[rep]);
    });
    result.paired_midway4_vs_midway3 = round2(median(paired));
  }
  if (measured('framework') && measured('framework+obs')) {
    // How much slower the listener is with metrics and tracing on, the worse partition count:
    // the median of the back-to-back pairs, and (for reference) the ratio of the two medians.
    const worst = (cost: (p: number) => number) =>
      Number(Math.max(...PARTITION_COUNTS.map(cost)).toFixed(3));
    result.observability_cost = worst(p => {
      const plain = ratesOf(p, 'framework');
      return median(ratesOf(p, 'framework+obs').map((observed, i) => 1 - observed / plain[i]));
    });
    result.observability_cost_of_medians = worst(
      p => 1 - median(ratesOf(p, 'framework+obs')) / median(ratesOf(p, 'framework')),
    );
  }
  if (measured('framework') && measured('framework-midway4-asyncctx')) {
    result.ratio_midway4_asyncctx_vs_midway3 = round2(
      ratio('framework-midway4-asyncctx', 'framework'),
    );
  }
  if (memory.length > 0) {
    // The worst peak of each backlog's drains, in MB: flat when the two are close.
    const worstMb = (messages: number) =>
      Math.round(
        Math.max(...memory.filter(m => m.messages === messages).map(m => m.maxRssBytes)) / 2 ** 20,
      );
    result.peak_rss_mb = Object.fromEntries(RSS_BACKLOGS.map(n => [n, worstMb(n)]));
  }
  console.log('\n(ratios: the smaller over the partition counts of one median over another)');
  console.log(JSON.stringify(result));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
