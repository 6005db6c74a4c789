/**
 * `npm run demo [-- --keep]`: starts a local Kafka broker (or uses KAFKA_BROKERS), boots the
 * quickstart app (Midway + @midwayjs/koa + midway-kafka) on 127.0.0.1, sends it orders over HTTP,
 * and prints what happened to them: sent, consumed, retried, dead-lettered, with timings.
 * Without --keep it then stops everything and exits 0; with --keep it stays up for curl.
 *
 * The app imports 'midway-kafka', which here resolves to this package's built ./dist (the
 * package's self-reference), exactly as it would in an application that installed it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { IMidwayContainer } from '@midwayjs/core';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalKafka } from 'midway-kafka/testing';
import type { LedgerSummary, OrderRecord } from './src/service/order-ledger';
import { ORDERS_DLT, ORDERS_TOPIC, type Order } from './src/order';

const ROOT = join(__dirname, '..', '..');
const APP_DIR = __dirname;
const KEEP = process.argv.includes('--keep');
const SETTLE_TIMEOUT_MS = 60_000;

const VALID_ORDERS = 50;
const SKUS = ['book', 'lamp', 'mug', 'desk', 'pen'];

// ---------------------------------------------------------------------------------------------
// Output: short aligned lines.

const seconds = (ms: number) =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
const millis = (ms: number) => `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
function line(label: string, text: string): void {
  console.log(`  ${label.padEnd(15)} ${text}`);
}
function row(count: number, label: string, text: string): void {
  console.log(`  ${label.padEnd(15)} ${String(count).padStart(4)}  ${text}`);
}
function since(start: number): number {
  return performance.now() - start;
}

// ---------------------------------------------------------------------------------------------
// The pieces: build, broker, topics, app.

/** The app resolves 'midway-kafka' to ./dist: build it when it is missing or older than src. */
function ensureBuilt(): void {
  const built = join(ROOT, 'dist', 'index.js');
  const newestSource = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map(entry => {
        const path = join(dir, entry.name);
        return entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs;
      }),
    );
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(ROOT, 'src'))) return;
  line('build', 'dist/ is missing or older than src/: npm run build …');
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm run build failed');
}

interface Broker {
  brokers: string[];
  describe: string;
  stop(): Promise<void>;
}

async function startBroker(): Promise<Broker> {
  const given = process.env.KAFKA_BROKERS;
  if (given) {
    const brokers = given.split(',').map(b => b.trim());
    return { brokers, describe: `${brokers.join(',')} (KAFKA_BROKERS)`, stop: async () => {} };
  }
  line('broker', 'starting a local Kafka (the first run downloads its jars with Maven) …');
  const { startKafka } = await import('midway-kafka/testing');
  const kafka: LocalKafka = await startKafka();
  return {
    brokers: kafka.brokers,
    describe: `local Kafka ${kafka.kafkaVersion} at ${kafka.brokers.join(',')}`,
    stop: () => kafka.stop(),
  };
}

async function createTopics(brokers: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'quickstart-demo', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [
      { topic: ORDERS_TOPIC, numPartitions: 3 },
      { topic: ORDERS_DLT, numPartitions: 1 },
    ].filter(t => !existing.has(t.topic));
    if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

interface RunningApp {
  url: string;
  groupId: string;
  close(): Promise<void>;
}

/** Boots the app the way @midwayjs/bootstrap does: Midway's container, the app's configuration. */
async function startApp(brokers: string[]): Promise<RunningApp> {
  const core = await import('@midwayjs/core');
  const { loggers } = await import('@midwayjs/logger');
  const port = await freePort();
  // A fresh consumer group per run: it starts at the end of `orders`, so the account below
  // covers exactly this run's orders, even against a long-lived KAFKA_BROKERS cluster.
  const groupId = `quickstart-${randomBytes(3).toString('hex')}`;
  const container: IMidwayContainer = await core.initializeGlobalApplicationContext({
    appDir: APP_DIR,
    baseDir: join(APP_DIR, 'src'),
    imports: [await import('./src/configuration')],
    loggerFactory: loggers,
    globalConfig: {
      koa: { port, hostname: '127.0.0.1' },
      kafka: {
        kafkaConfig: { brokers },
        consumerConfig: { groupId },
      },
      // Keep the console readable: everything still goes to the files under logs/.
      midwayLogger: {
        // Outside local/unittest environments Midway logs under $HOME/logs; keep them with the app.
        default: { consoleLevel: 'warn', dir: join(APP_DIR, 'logs') },
        // The component logs each deliberate failure of the demo with its stack: files only.
        clients: { kafkaLogger: { consoleLevel: 'none' } },
      },
    },
  });
  const url = `http://127.0.0.1:${port}`;
  // Koa starts listening without waiting; wait until it answers.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/stats`)).ok) break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
  return { url, groupId, close: () => core.destroyGlobalApplicationContext(container) };
}

// ---------------------------------------------------------------------------------------------
// Traffic and the account.

type Kind = 'valid' | 'flaky' | 'invalid' | 'broken';

function makeOrders(run: string): { kind: Kind; order: Partial<Order> }[] {
  const orders: { kind: Kind; order: Partial<Order> }[] = [];
  for (let i = 0; i < VALID_ORDERS; i++) {
    orders.push({
      kind: 'valid',
      order: { id: `${run}-${i}`, sku: SKUS[i % SKUS.length], quantity: 1 + (i % 3) },
    });
  }
  orders.push({
    kind: 'flaky',
    order: { id: `${run}-flaky-1`, sku: 'lamp', quantity: 1, simulate: 'flaky' },
  });
  orders.push({
    kind: 'flaky',
    order: { id: `${run}-flaky-2`, sku: 'mug', quantity: 2, simulate: 'flaky' },
  });
  orders.push({ kind: 'invalid', order: { id: `${run}-invalid-1`, sku: 'book', quantity: 0 } });
  orders.push({ kind: 'invalid', order: { id: `${run}-invalid-2`, sku: 'desk', quantity: -3 } });
  orders.push({ kind: 'invalid', order: { id: `${run}-invalid-3`, quantity: 1 } });
  orders.push({
    kind: 'broken',
    order: { id: `${run}-broken-1`, sku: 'unicorn', quantity: 1, simulate: 'broken' },
  });
  // Interleave the failing ones with the valid ones, as real traffic would.
  return orders.sort((a, b) => hash(a.order.id ?? '') - hash(b.order.id ?? ''));
}

function hash(text: string): number {
  let h = 0;
  for (const char of text) h = (h * 31 + char.charCodeAt(0)) | 0;
  return h;
}

async function post(url: string, order: Partial<Order>): Promise<number> {
  const response = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(order),
  });
  if (response.status !== 202) {
    throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  }
  return response.status;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}

/** Sends the orders, at most 10 requests at a time; returns each request's round trip in ms. */
async function drive(url: string, orders: { order: Partial<Order> }[]): Promise<number[]> {
  const queue = [...orders];
  const roundTrips: number[] = [];
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const started = performance.now();
        await post(url, next.order);
        roundTrips.push(since(started));
      }
    }),
  );
  return roundTrips;
}

async function settle(
  url: string,
  expectFulfilled: number,
  expectDead: number,
): Promise<LedgerSummary> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const summary = await getJson<LedgerSummary>(`${url}/stats`);
    if (summary.fulfilled >= expectFulfilled && summary.deadLettered >= expectDead) return summary;
    if (Date.now() > deadline) {
      throw new Error(
        `after ${SETTLE_TIMEOUT_MS / 1000} s only ${summary.fulfilled}/${expectFulfilled} orders were fulfilled and ` +
          `${summary.deadLettered}/${expectDead} dead-lettered; see ${relative(process.cwd(), join(APP_DIR, 'logs'))}/midway-kafka.log`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}

/** One sample of the Prometheus text format: `name{label="value",…} 12.5`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The `q` quantile of a Prometheus histogram, interpolated in its bucket (as histogram_quantile does). */
function histogramQuantile(buckets: Sample[], q: number): number {
  const bounds = buckets
    .map(b => ({ le: b.labels.le === '+Inf' ? Infinity : Number(b.labels.le), count: b.value }))
    .sort((a, b) => a.le - b.le);
  const total = bounds.at(-1)?.count ?? 0;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const { le, count } of bounds) {
    if (count >= rank && total > 0) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1);
    }
    lower = le;
    below = count;
  }
  return 0;
}

/** What GET /metrics says, as an operator's dashboard would show it. */
async function printMetrics(url: string): Promise<void> {
  const samples = parseMetrics(await (await fetch(`${url}/metrics`)).text());
  const fulfil = (name: string) =>
    samples.filter(s => s.name === name && s.labels.listener === 'OrderConsumer.fulfil');
  const total = (list: Sample[]) => list.reduce((sum, s) => sum + s.value, 0);
  const p95 = histogramQuantile(fulfil('kafka_consumer_handler_duration_seconds_bucket'), 0.95);
  const lag = total(samples.filter(s => s.name === 'kafka_consumer_lag'));
  console.log(
    `\n  GET /metrics (prom-client), as Prometheus reads it; listener OrderConsumer.fulfil:`,
  );
  const show = (label: string, value: string, source: string) =>
    console.log(`    ${label.padEnd(18)} ${value.padStart(8)}   ${source}`);
  show(
    'consumed',
    String(total(fulfil('kafka_consumer_messages_total'))),
    'kafka_consumer_messages_total',
  );
  show(
    'errors',
    String(total(fulfil('kafka_consumer_handler_errors_total'))),
    'kafka_consumer_handler_errors_total',
  );
  show(
    'dead-lettered',
    String(total(fulfil('kafka_consumer_dead_lettered_total'))),
    'kafka_consumer_dead_lettered_total',
  );
  show(
    'p95 handler time',
    millis(p95 * 1000),
    'from kafka_consumer_handler_duration_seconds buckets',
  );
  show('current lag', String(lag), 'kafka_consumer_lag, summed over the partitions');
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const begin = performance.now();
  console.log(
    '\nmidway-kafka demo: examples/quickstart (Midway 3 + @midwayjs/koa + midway-kafka)\n',
  );
  ensureBuilt();

  let broker: Broker | undefined;
  let app: RunningApp | undefined;
  const stopAll = async (): Promise<void> => {
    const t = performance.now();
    const closing = app?.close();
    app = undefined;
    // Bounded, so a broker that is already gone cannot hold the exit.
    if (closing) await Promise.race([closing, new Promise(r => setTimeout(r, 15_000).unref())]);
    const appMs = since(t);
    const b = performance.now();
    await broker?.stop();
    const stopped = broker ? `, broker in ${seconds(since(b))}` : '';
    broker = undefined;
    line('stopped', `app in ${seconds(appMs)}${stopped}`);
  };

  try {
    let t = performance.now();
    broker = await startBroker();
    line('broker', `${broker.describe}, ready in ${seconds(since(t))}`);
    process.env.KAFKA_BROKERS = broker.brokers.join(',');

    await createTopics(broker.brokers);
    line('topics', `${ORDERS_TOPIC} (3 partitions), ${ORDERS_DLT} (1 partition)`);

    t = performance.now();
    app = await startApp(broker.brokers);
    line('app', `${app.url}, consumer group ${app.groupId}, booted in ${seconds(since(t))}`);
    console.log();

    const run = randomBytes(2).toString('hex');
    const orders = makeOrders(run);
    const count = (kind: Kind) => orders.filter(o => o.kind === kind).length;
    t = performance.now();
    const roundTrips = await drive(app.url, orders);
    const sendMs = since(t);
    line(
      'traffic',
      `${orders.length} × POST /orders in ${seconds(sendMs)}: ${count('valid')} valid, ${count('flaky')} flaky ` +
        `(fail twice, then succeed), ${count('invalid')} invalid, ${count('broken')} broken`,
    );

    t = performance.now();
    const expectFulfilled = count('valid') + count('flaky');
    const expectDead = count('invalid') + count('broken');
    const summary = await settle(app.url, expectFulfilled, expectDead);
    const settleMs = since(t);
    console.log();

    const p = summary.produceMs;
    const e = summary.endToEndMs;
    row(
      summary.accepted,
      'sent',
      `HTTP 202 once Kafka had the order (acks=all); KafkaService.emit p50 ${millis(p.p50)}, ` +
        `p95 ${millis(p.p95)}, max ${millis(p.max)}; HTTP round trip p50 ${millis(percentile(roundTrips, 0.5))}`,
    );
    row(
      summary.fulfilled,
      'consumed',
      `by OrderConsumer.fulfil; produce → handled p50 ${millis(e.p50)}, p95 ${millis(e.p95)}, ` +
        `max ${millis(e.max)} (orders behind a retried one on its partition wait for it, in order)`,
    );
    row(
      summary.retried,
      'retried',
      `orders needed ${summary.extraAttempts} extra attempts: ${count('flaky')} flaky ones succeeded on attempt 3, ` +
        `${count('broken')} broken one gave up after 3`,
    );
    row(
      summary.deadLettered,
      'dead-lettered',
      `in ${ORDERS_DLT}: ${count('invalid')} invalid (KafkaNonRetriableError, 1 attempt), ${count('broken')} broken (3 attempts)`,
    );
    line(
      'settled',
      `${seconds(settleMs)} after the last POST; every partition moved past its failed orders`,
    );

    const broken = orders.find(o => o.kind === 'broken')!.order.id!;
    const record = await getJson<OrderRecord>(`${app.url}/orders/${broken}`);
    console.log(`\n  one dead letter: order ${broken}, as read back from ${ORDERS_DLT}`);
    for (const [field, value] of Object.entries(record.deadLetter ?? {})) {
      if (value === undefined || value === null) continue;
      const text = String(value);
      const shown = field.endsWith('Stacktrace')
        ? `${text.split('\n')[1]?.trim().split(`${ROOT}/`).join('') ?? ''} …`
        : field === 'originalTimestamp'
          ? `${text} (${new Date(Number(text)).toISOString()})`
          : text;
      console.log(`    ${field.padEnd(24)} ${shown}`);
    }
    await printMetrics(app.url);
    console.log();

    if (KEEP) {
      const url = app.url;
      console.log('  still running (--keep). Try it:\n');
      console.log(
        `    curl -X POST ${url}/orders -H 'content-type: application/json' -d '{"sku":"book","quantity":1}'`,
      );
      console.log(
        `    curl -X POST ${url}/orders -H 'content-type: application/json' -d '{"sku":"book","quantity":0}'`,
      );
      console.log(`    curl ${url}/orders/<id from the answer>`);
      console.log(`    curl ${url}/stats`);
      console.log(`    curl ${url}/metrics\n`);
      console.log(
        `  KAFKA_BROKERS=${broker.brokers.join(',')}   logs: ${relative(process.cwd(), join(APP_DIR, 'logs'))}/`,
      );
      console.log('  Ctrl+C stops the app and the broker.\n');
      await new Promise<void>(resolve => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log();
    }
    await stopAll();
    line(
      'done',
      `in ${seconds(since(begin))}; logs in ${relative(process.cwd(), join(APP_DIR, 'logs'))}/`,
    );
  } catch (error) {
    console.error(`\n  demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll().catch(() => undefined);
    process.exit(1);
  }
}

main().then(() => process.exit(0));
