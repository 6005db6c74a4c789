/**
 * `npm run bench:request`: `KafkaService.request()` beside NestJS 12's `ClientKafka.send()`,
 * both calling the same replier (a midway-kafka `@KafkaListener` in a child process, answering
 * each request with its number) on the same broker in the same run. A third caller and replier,
 * written on kafkajs alone (bench/lib/kafkajs-caller.ts, fixtures/kafkajs-replier-process.ts),
 * measure the floor: what kafkajs and the broker cost on this machine with no framework at all.
 *
 * - Fixed load: BENCH_RATE requests/s (1,000) for BENCH_SECONDS (10), sent on schedule whatever
 *   the replies do; latency counts from when a request was due, so a stall shows in it.
 * - Saturation: BENCH_REQUESTS (20,000) requests, BENCH_CONCURRENCY (500) in flight.
 * Each caller runs each scenario in turn, REPETITIONS times, after an unmeasured warm-up of both
 * (BENCH_WARM_UP_SECONDS, 10, at the fixed load, then 5,000 requests at saturation); medians
 * compared.
 * The last line is JSON: p99 of request() at the fixed load, and its saturation throughput over
 * NestJS's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { benchKafka } from './lib/broker';
import { kafkajsCaller } from './lib/kafkajs-caller';
import { median, percentile, round, runConcurrently, settleBeforeRun } from './lib/stats';
import { printTable } from './lib/table';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 500);
const REPETITIONS = 3;
// Unmeasured first: the broker's JVM, the replier and both callers compile their hot paths in
// the first seconds, and the first measured run would otherwise carry that (p99 2-5x higher).
const WARM_UP_SECONDS = Number(process.env.BENCH_WARM_UP_SECONDS ?? 10);
const WARM_UP_REQUESTS = 5000;
const TIMEOUT_MS = 30_000;

type Variant = 'midway-kafka request()' | 'NestJS ClientKafka.send()' | 'kafkajs alone (floor)';
type Call = (i: number) => Promise<unknown>;

interface Run {
  p50: number;
  p99: number;
  perSecond: number;
}

async function main(): Promise<void> {
  const { broker, kafka } = await benchKafka('bench-request');
  const id = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topic = `bench-request-${id}`;
  // The floor's own request topic and reply topic, so its replier answers only its caller.
  const floorTopic = `bench-request-kafkajs-${id}`;
  const admin = kafka.admin();
  await admin.connect();
  // Each request topic with the reply topic NestJS's client reads (`<pattern>.reply`), which the
  // floor uses too.
  await admin.createTopics({
    topics: [topic, `${topic}.reply`, floorTopic, `${floorTopic}.reply`].map(name => ({
      topic: name,
      numPartitions: 1,
      replicationFactor: 1,
    })),
    waitForLeaders: true,
  });
  await admin.disconnect();

  const replier = await startReplier(
    'replier-process.ts',
    broker.brokers,
    topic,
    `bench-replier-${id}`,
  );
  const floorReplier = await startReplier(
    'kafkajs-replier-process.ts',
    broker.brokers,
    floorTopic,
    `bench-kafkajs-replier-${id}`,
  );
  const midway = await midwayCaller(broker.brokers, topic, `bench-caller-${id}`);
  const nest = await nestCaller(broker.brokers, topic, `bench-nest-${id}`);
  const floor = await kafkajsCaller(
    broker.brokers,
    floorTopic,
    `${floorTopic}.reply`,
    `bench-kafkajs-caller-${id}`,
  );
  const calls: Record<Variant, Call> = {
    'midway-kafka request()': midway.call,
    'NestJS ClientKafka.send()': nest.call,
    'kafkajs alone (floor)': (i: number) =>
      floor.call({ i, at: Date.now() }).then(reply => checked(i, reply)),
  };
  const variants = Object.keys(calls) as Variant[];
  const fixed = Object.fromEntries(variants.map(v => [v, [] as Run[]])) as Record<Variant, Run[]>;
  const saturated = Object.fromEntries(variants.map(v => [v, [] as Run[]])) as Record<
    Variant,
    Run[]
  >;

  for (const variant of variants) {
    await fixedLoad(calls[variant], WARM_UP_SECONDS);
    await runConcurrently(WARM_UP_REQUESTS, CONCURRENCY, calls[variant]);
  }
  for (let rep = 0; rep < REPETITIONS; rep++) {
    // Rotate which caller goes first, so none always meets a fresher broker.
    const order = variants.map((_, k) => variants[(k + rep) % variants.length]);
    for (const variant of order) {
      await settleBeforeRun();
      const atRate = await fixedLoad(calls[variant]);
      fixed[variant].push(atRate);
      await settleBeforeRun();
      const atMost = await saturation(calls[variant]);
      saturated[variant].push(atMost);
      console.error(
        `  run ${rep + 1} ${variant}: ${RATE}/s p50 ${round(atRate.p50)} ms p99 ${round(atRate.p99)} ms; ` +
          `saturation ${Math.round(atMost.perSecond)}/s p99 ${round(atMost.p99)} ms`,
      );
    }
  }
  await floor.close();
  await nest.close();
  await midway.close();
  await floorReplier.stop();
  await replier.stop();
  await broker.stop();

  const med = (runs: Run[], key: keyof Run) => median(runs.map(run => run[key]));
  console.log(
    `\nRequest–reply, 1 partition; request() and NestJS call one midway-kafka replier, the floor a kafkajs one; medians of ${REPETITIONS} runs (fixed load: ${RATE} req/s for ${SECONDS} s; saturation: ${REQUESTS} requests, ${CONCURRENCY} in flight)\n`,
  );
  printTable(
    [
      'caller',
      `${RATE}/s p50 ms`,
      `${RATE}/s p99 ms`,
      'saturation req/s',
      'saturation p50 ms',
      'saturation p99 ms',
      'runs req/s',
    ],
    variants.map(variant => [
      variant,
      round(med(fixed[variant], 'p50')),
      round(med(fixed[variant], 'p99')),
      Math.round(med(saturated[variant], 'perSecond')),
      round(med(saturated[variant], 'p50')),
      round(med(saturated[variant], 'p99')),
      saturated[variant].map(run => Math.round(run.perSecond)).join(' / '),
    ]),
  );
  const ours = 'midway-kafka request()';
  const result = {
    bench: 'request',
    p99_ms: round(med(fixed[ours], 'p99')),
    // The same percentile with kafkajs alone on both sides: what this machine allows.
    p99_ms_kafkajs_alone: round(med(fixed['kafkajs alone (floor)'], 'p99')),
    ratio_throughput_vs_nest: round(
      med(saturated[ours], 'perSecond') / med(saturated['NestJS ClientKafka.send()'], 'perSecond'),
    ),
  };
  console.log(JSON.stringify(result));
}

/** RATE requests a second for `seconds`, each sent when due; latency from when it was due. */
async function fixedLoad(call: Call, seconds = SECONDS): Promise<Run> {
  const total = Math.round(RATE * seconds);
  const latencies: number[] = new Array(total);
  const calls: Promise<unknown>[] = [];
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * RATE) / 1000) + 1);
    for (; sent < due; sent++) {
      const i = sent;
      const dueAt = started + (i * 1000) / RATE;
      calls.push(call(i).then(() => (latencies[i] = performance.now() - dueAt)));
    }
    await new Promise(resolve => setTimeout(resolve, 1));
  }
  await Promise.all(calls);
  const elapsed = performance.now() - started;
  return summarise(latencies, total, elapsed);
}

/** REQUESTS requests with CONCURRENCY in flight. */
async function saturation(call: Call): Promise<Run> {
  const latencies: number[] = new Array(REQUESTS);
  const started = performance.now();
  await runConcurrently(REQUESTS, CONCURRENCY, async i => {
    const at = performance.now();
    await call(i);
    latencies[i] = performance.now() - at;
  });
  return summarise(latencies, REQUESTS, performance.now() - started);
}

function summarise(latencies: number[], count: number, elapsedMs: number): Run {
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    perSecond: (count / elapsedMs) * 1000,
  };
}

/** Checks that each reply is the one to its own request. */
function checked(i: number, reply: unknown): void {
  if ((reply as { i?: unknown } | null)?.i !== i) {
    throw new Error(`request ${i} got the reply ${JSON.stringify(reply)}`);
  }
}

async function midwayCaller(brokers: string[], topic: string, groupId: string) {
  const { createApp, close } = await import('@midwayjs/mock');
  const { KafkaService } = await import('../src');
  const app = await createApp(join(__dirname, 'fixtures/caller-app'), {
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-midway', brokers },
        consumerConfig: { groupId },
        requestReply: { timeout: TIMEOUT_MS },
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
    },
  });
  const kafkaService = await app.getApplicationContext().getAsync(KafkaService);
  return {
    call: (i: number) =>
      kafkaService
        .request(topic, { i, at: Date.now() })
        .then((reply: unknown) => checked(i, reply)),
    close: () => close(app),
  };
}

async function nestCaller(brokers: string[], topic: string, groupId: string) {
  // NestJS 12 is ES modules: Node loads them here through require.
  const { Logger } = await import('@nestjs/common');
  const { ClientKafka } = await import('@nestjs/microservices');
  const { lastValueFrom, timeout } = await import('rxjs');
  Logger.overrideLogger(['error']);
  const client = new ClientKafka({
    client: { clientId: 'bench-nest', brokers, logLevel: logLevel.NOTHING },
    consumer: { groupId },
    subscribe: { fromBeginning: true },
  });
  client.subscribeToResponseOf(topic);
  await client.connect();
  // send() needs the reply partition assigned to this client: wait for its group join.
  while (Object.keys(client.getConsumerAssignments()).length === 0) {
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return {
    call: (i: number) =>
      lastValueFrom(client.send(topic, { i, at: Date.now() }).pipe(timeout(TIMEOUT_MS))).then(
        (reply: unknown) => checked(i, reply),
      ),
    close: () => client.close(),
  };
}

async function startReplier(
  script: string,
  brokers: string[],
  topic: string,
  groupId: string,
): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = fork(join(__dirname, 'fixtures', script), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: {
      ...process.env,
      BENCH_BROKERS: brokers.join(','),
      BENCH_REQUEST_TOPIC: topic,
      BENCH_REPLIER_GROUP: groupId,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    exited.then(() => reject(new Error('the replier process exited before it was ready')));
  });
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
