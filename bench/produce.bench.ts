/**
 * `npm run bench:produce`: KafkaService.send with one message per call (the way request handlers
 * use it) against plain kafkajs, on the same broker in the same run, plus Kafka's own Java
 * ProducerPerformance as the ceiling of this machine.
 *
 * Every variant writes 100,000 messages of 256 bytes with acks=all to a fresh one-partition topic:
 * - midway-kafka: `KafkaService.send({ topic, messages: [one] })`, 1,000 calls in flight;
 * - kafkajs per call: `producer.send({ topic, messages: [one] })`, 1,000 calls in flight;
 * - kafkajs batched: `producer.send` with 1,000 new messages per call, one call after the other.
 * The kafkajs producers use kafkajs's defaults (what a plain kafkajs user writes); KafkaService
 * uses its own defaults (idempotent, one request in flight). A fourth row, hand-batching on an
 * idempotent kafkajs producer, shows what idempotence itself costs; it is not in the ratios.
 * The variants run in turn, three times, and the medians are compared. The broker comes from
 * KAFKA_BROKERS or is started locally. BENCH_OBSERVABILITY=1 adds KafkaService with kafka.metrics
 * and kafka.tracing on (no OpenTelemetry SDK registered), to compare with the plain one.
 */
import { logLevel, type Message, type Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchKafka } from './lib/broker';
import { runKafkaTool } from './lib/java-tool';
import { median, round, runConcurrently, settleBeforeRun, timed } from './lib/stats';
import { printTable } from './lib/table';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const SIZE = 256;
const CONCURRENCY = 1_000;
const HAND_BATCH = 1_000;
const REPETITIONS = Number(process.env.BENCH_REPETITIONS ?? 3);

const OBSERVABILITY = process.env.BENCH_OBSERVABILITY === '1';

type Variant =
  | 'midway-kafka send'
  | 'midway-kafka send, metrics+tracing'
  | 'kafkajs send per call'
  | 'kafkajs send batched'
  | 'kafkajs send batched, idempotent';

async function main(): Promise<void> {
  const { broker, kafka } = await benchKafka('bench-produce');
  const admin = kafka.admin();
  await admin.connect();
  const newTopic = async (label: string) => {
    const topic = `bench-produce-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    return topic;
  };
  const value = randomBytes(SIZE / 2).toString('hex'); // 256 bytes
  const written = async (topic: string) => {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  };

  const { app, close, kafkaService } = await startService(broker.brokers, false);
  const observed = OBSERVABILITY ? await startService(broker.brokers, true) : undefined;
  const raw: Producer = kafka.producer();
  await raw.connect();
  // KafkaService's safety settings on a plain producer: what idempotence itself costs.
  const idempotent: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await idempotent.connect();
  const handBatched = (producer: Producer) => async (topic: string) => {
    for (let sent = 0; sent < MESSAGES; sent += HAND_BATCH) {
      // Each message is a new object, as in the other variants (and in real code, where every
      // message carries new data): reusing 1,000 objects would spare kafkajs garbage no user spares.
      const messages: Message[] = Array.from(
        { length: Math.min(HAND_BATCH, MESSAGES - sent) },
        () => ({ value }),
      );
      await producer.send({ topic, acks: -1, messages });
    }
  };

  const runs: Partial<Record<Variant, (topic: string) => Promise<unknown>>> = {
    'midway-kafka send': topic =>
      runConcurrently(MESSAGES, CONCURRENCY, () =>
        kafkaService.send({ topic, messages: [{ value }] }),
      ),
    ...(observed && {
      'midway-kafka send, metrics+tracing': (topic: string) =>
        runConcurrently(MESSAGES, CONCURRENCY, () =>
          observed.kafkaService.send({ topic, messages: [{ value }] }),
        ),
    }),
    'kafkajs send per call': topic =>
      runConcurrently(MESSAGES, CONCURRENCY, () =>
        raw.send({ topic, acks: -1, messages: [{ value }] }),
      ),
    'kafkajs send batched': handBatched(raw),
    'kafkajs send batched, idempotent': handBatched(idempotent),
  };
  const variants = Object.keys(runs) as Variant[];
  const rates: Record<Variant, number[]> = {
    'midway-kafka send': [],
    'midway-kafka send, metrics+tracing': [],
    'kafkajs send per call': [],
    'kafkajs send batched': [],
    'kafkajs send batched, idempotent': [],
  };

  // Warm-up: connections, metadata and JIT, so the first measured run is not penalised.
  for (const variant of variants) await runs[variant]!(await newTopic('warmup'));

  for (let rep = 0; rep < REPETITIONS; rep++) {
    for (const variant of runOrder(variants, rep)) {
      const topic = await newTopic('run');
      await settleBeforeRun();
      const ms = await timed(() => runs[variant]!(topic));
      const count = await written(topic);
      if (count !== MESSAGES)
        throw new Error(`${variant} wrote ${count} messages, expected ${MESSAGES}`);
      rates[variant].push((MESSAGES / ms) * 1000);
      console.error(`  run ${rep + 1} ${variant}: ${Math.round((MESSAGES / ms) * 1000)} msg/s`);
    }
  }
  await raw.disconnect();
  await idempotent.disconnect();
  // Midway's test apps close in the reverse order of their creation.
  if (observed) await observed.close(observed.app);
  await close(app);

  const javaRates = await javaProducerPerformance(broker, newTopic).catch(error => {
    console.error(`Java ProducerPerformance could not run: ${(error as Error).message}`);
    return [] as number[];
  });
  await admin.disconnect();
  await broker.stop();

  const rows = variants.map(variant => {
    const rate = median(rates[variant]);
    return [
      variant,
      Math.round(rate),
      round((rate * SIZE) / 1e6),
      rates[variant].map(r => Math.round(r)).join(' / '),
    ];
  });
  if (javaRates.length > 0) {
    const rate = median(javaRates);
    rows.push([
      'java ProducerPerformance',
      Math.round(rate),
      round((rate * SIZE) / 1e6),
      javaRates.map(r => Math.round(r)).join(' / '),
    ]);
  }
  console.log(
    `\n${MESSAGES} messages of ${SIZE} bytes, acks=all, concurrency ${CONCURRENCY} (medians of ${REPETITIONS})`,
  );
  printTable(['variant', 'msg/s', 'MB/s', 'runs msg/s'], rows);

  const ours = median(rates['midway-kafka send']);
  const result = {
    bench: 'produce',
    ratio_vs_kafkajs_per_call: round(ours / median(rates['kafkajs send per call'])),
    ratio_vs_kafkajs_batched: round(ours / median(rates['kafkajs send batched'])),
    ratio_vs_java: javaRates.length > 0 ? round(ours / median(javaRates)) : null,
    // The median of the back-to-back pairs, and (for reference) the ratio of the two medians.
    ...(OBSERVABILITY && {
      observability_cost: Number(
        median(
          rates['midway-kafka send, metrics+tracing'].map(
            (observed, rep) => 1 - observed / rates['midway-kafka send'][rep],
          ),
        ).toFixed(3),
      ),
      observability_cost_of_medians: Number(
        (1 - median(rates['midway-kafka send, metrics+tracing']) / ours).toFixed(3),
      ),
    }),
  };
  console.log(JSON.stringify(result));
}

/**
 * Rotated, so no variant always runs first (or last) on a warm broker. KafkaService with and
 * without observability run back to back, first one then the other, so the load of this shared
 * machine changes little between the two.
 */
function runOrder(variants: Variant[], rep: number): Variant[] {
  const plain: Variant = 'midway-kafka send';
  const observed: Variant = 'midway-kafka send, metrics+tracing';
  const units: Variant[][] = variants.includes(observed)
    ? [
        rep % 2 === 0 ? [plain, observed] : [observed, plain],
        ...variants.filter(v => v !== plain && v !== observed).map(v => [v]),
      ]
    : variants.map(v => [v]);
  return units.map((_, i) => units[(i + rep) % units.length]).flat();
}

/** A Midway app with just the component, the way an application gets its KafkaService. */
async function startService(brokers: string[], observed: boolean) {
  const { createLightApp, close } = await import('@midwayjs/mock');
  const component = await import('../src');
  const lingerMs = process.env.BENCH_LINGER_MS;
  // An empty app directory: Midway must not scan this repository's src/ (it holds a CLI).
  const appDir = mkdtempSync(join(tmpdir(), 'bench-produce-app-'));
  const app = await createLightApp(appDir, {
    imports: [component],
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-kafka-service', brokers, logLevel: logLevel.WARN },
        ...(lingerMs !== undefined ? { producerBatching: { lingerMs: Number(lingerMs) } } : {}),
        // Metrics in a registry of their own, tracing without an OpenTelemetry SDK.
        ...(observed && {
          metrics: { enabled: true, registry: new (await import('prom-client')).Registry() },
          tracing: { enabled: true },
        }),
      },
      midwayLogger: { default: { disableFile: true, disableError: true, level: 'warn' } },
    },
  });
  const kafkaService = await app.getApplicationContext().getAsync(component.KafkaService);
  return { app, close, kafkaService };
}

/** Kafka's Java ProducerPerformance on the same count and size; records/sec of each run. */
async function javaProducerPerformance(
  broker: { brokers: string[]; kafkaVersion: string | undefined },
  newTopic: (label: string) => Promise<string>,
): Promise<number[]> {
  const rates: number[] = [];
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const topic = await newTopic('java');
    const { stdout } = await runKafkaTool(
      classes => classes.producerPerformance,
      [
        '--topic',
        topic,
        '--num-records',
        String(MESSAGES),
        '--record-size',
        String(SIZE),
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${broker.brokers.join(',')}`,
        'acks=all',
      ],
      { kafkaVersion: broker.kafkaVersion },
    );
    // The summary line: "100000 records sent, 123456.7 records/sec (30.14 MB/sec), …"
    const summary = [...stdout.matchAll(/(\d+) records sent, ([\d.]+) records\/sec/g)].pop();
    if (!summary) throw new Error(`unexpected ProducerPerformance output: ${stdout.slice(-500)}`);
    rates.push(Number(summary[2]));
    console.error(
      `  run ${rep + 1} java ProducerPerformance: ${Math.round(Number(summary[2]))} msg/s`,
    );
  }
  return rates;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
