/**
 * `npm run bench:dispatch`: the framework's own cost per message, without a broker. Batches of
 * in-memory messages go through the batch handler, dispatcher and listener runtime to an empty
 * `@KafkaListener`-style handler, against a bare loop over the same batches. A development aid for
 * the per-message path; `bench:consume` is the end-to-end measure.
 */
import { Inject, MidwayContainer, Provide, Scope, ScopeEnum } from '@midwayjs/core';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { createBatchHandler } from '../src/consumer/batch-handler';
import { MessageDispatcher } from '../src/consumer/message-dispatcher';
import { OffsetCommitter } from '../src/consumer/offset-committer';
import { InFlightBatches } from '../src/consumer/in-flight-batches';
import { Membership } from '../src/consumer/membership';
import { createListenerRuntime } from '../src/framework/listener-runtime';
import { detectContainerModel } from '../src/midway/container-model';
import { DEFAULT_RETRY_POLICY } from '../src/consumer/retry/retry-policy';
import { ONE_BY_ONE, type GroupPlan, type PlannedListener } from '../src/listener/plan-groups';
import type { IMidwayKafkaContext } from '../src/interface';
import { median } from './lib/stats';
import {
  createConsumerInstruments,
  type ConsumerInstruments,
} from '../src/observability/consumer-observer';
import type { MidwayKafkaConfig } from '../src/interface';

const BATCH = 3000;
const BATCHES = 200;
const REPETITIONS = 9;
const TOPIC = 'dispatch';
let handled = 0;

@Provide()
@Scope(ScopeEnum.Request)
class EmptyListener {
  @Inject()
  ctx!: IMidwayKafkaContext;

  async onMessage(): Promise<void> {
    handled++;
  }
}

const messages: KafkaMessage[] = Array.from({ length: BATCH }, (_, i) => ({
  offset: String(i),
  key: null,
  value: Buffer.alloc(256),
  timestamp: '0',
  attributes: 0,
  headers: {},
}));

function payload(): EachBatchPayload {
  return {
    batch: { topic: TOPIC, partition: 0, messages },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
    pause: () => () => undefined,
    commitOffsetsIfNecessary: async () => undefined,
  } as unknown as EachBatchPayload;
}

/** BENCH_OBSERVABILITY=1 adds the listener with metrics, tracing (no SDK), and both. */
const OBSERVED: Record<string, MidwayKafkaConfig> =
  process.env.BENCH_OBSERVABILITY === '1'
    ? {
        metrics: { metrics: { enabled: true } },
        tracing: { tracing: { enabled: true } },
        'metrics+tracing': { metrics: { enabled: true }, tracing: { enabled: true } },
      }
    : {};

async function frameworkHandler(
  config: MidwayKafkaConfig = {},
): Promise<(p: EachBatchPayload) => Promise<void>> {
  if (config.metrics) {
    const { Registry } = await import('prom-client');
    config = { ...config, metrics: { ...config.metrics, registry: new Registry() } };
  }
  const instruments: ConsumerInstruments = createConsumerInstruments(
    config,
    () => ({}) as never,
    console as never,
  );
  const container = new MidwayContainer();
  container.bind(EmptyListener);
  const listener = {
    id: 'EmptyListener.onMessage',
    target: EmptyListener,
    propertyKey: 'onMessage',
    topic: TOPIC,
    options: {},
    groupId: 'dispatch',
    retry: DEFAULT_RETRY_POLICY,
    onFailure: 'dead-letter',
    deadLetterTopic: `${TOPIC}.DLT`,
    delivery: ONE_BY_ONE,
  } as unknown as PlannedListener;
  const plan = {
    groupId: 'dispatch',
    topics: new Map([
      [
        TOPIC,
        {
          topic: TOPIC,
          fromBeginning: true,
          autoCommit: true,
          delivery: ONE_BY_ONE,
          listeners: [listener],
        },
      ],
    ]),
    partitionsConsumedConcurrently: 1,
    autoCommitInterval: null,
    autoCommitThreshold: null,
    consumerConfig: { groupId: 'dispatch', maxWaitTimeInMs: 1000 },
  } as GroupPlan;
  const runtime = await createListenerRuntime(
    {
      applicationContext: container,
      containerModel: (() => {
        const model = detectContainerModel();
        if (typeof model === 'string') throw new Error(model);
        return model;
      })(),
      applyMiddleware: () => Promise.reject(new Error('no chain in this benchmark')),
      runGuard: async () => true,
      declaresGuards: () => false,
      hasGlobalGuards: () => false,
      needsChain: () => false,
    },
    listener,
  );
  const logger = console as never;
  const dispatcher = new MessageDispatcher({
    contextHost: {
      app: {} as never,
      applicationContext: container,
      createContextLogger: () => logger,
    },
    deadLetter: {} as never,
    logger,
    onPartitionStopped: () => undefined,
  });
  const noCommit = async () => undefined;
  const membership = new Membership();
  return createBatchHandler({
    plan,
    runtimes: new Map([[TOPIC, [instruments.instrument(runtime)]]]),
    dispatcher,
    committer: new OffsetCommitter(noCommit, { interval: null, threshold: null }, logger),
    consumer: {} as never,
    pauses: {} as never,
    inFlight: new InFlightBatches(),
    membership: () => membership,
    isStopping: () => false,
    logger,
    timeSliceMs: 5000,
    pauseFor: () => undefined,
    onCommitAvailable: () => undefined,
    observer: instruments.observer,
  });
}

/** What a hand-written kafkajs eachBatch consumer does with a batch. */
async function bareHandler(p: EachBatchPayload): Promise<void> {
  for (const message of p.batch.messages) {
    handled++;
    p.resolveOffset(message.offset);
  }
  await p.heartbeat();
}

async function nsPerMessage(handler: (p: EachBatchPayload) => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCHES; i++) await handler(payload());
  return Number(process.hrtime.bigint() - start) / (BATCHES * BATCH);
}

async function main(): Promise<void> {
  const framework = await frameworkHandler();
  const observed = await Promise.all(
    Object.entries(OBSERVED).map(async ([name, config]) => ({
      name,
      handler: await frameworkHandler(config),
      runs: [] as number[],
    })),
  );
  const results = { framework: [] as number[], bare: [] as number[] };
  await nsPerMessage(framework); // warm-up
  for (const variant of observed) await nsPerMessage(variant.handler);
  for (let rep = 0; rep < REPETITIONS; rep++) {
    results.framework.push(await nsPerMessage(framework));
    results.bare.push(await nsPerMessage(bareHandler));
    for (const variant of observed) variant.runs.push(await nsPerMessage(variant.handler));
  }
  const f = median(results.framework);
  const b = median(results.bare);
  console.log(`framework runs (ns/msg): ${results.framework.map(Math.round).join(', ')}`);
  console.log(
    `framework ${f.toFixed(0)} ns/msg, bare loop ${b.toFixed(0)} ns/msg (${handled} handled)`,
  );
  const extra: Record<string, number> = {};
  for (const { name, runs } of observed) {
    const cost = median(runs) - f;
    console.log(`with ${name}: ${median(runs).toFixed(0)} ns/msg, ${cost.toFixed(0)} ns more`);
    extra[`${name}_ns_per_message`] = Math.round(cost);
  }
  console.log(
    JSON.stringify({
      bench: 'dispatch',
      framework_overhead_ns_per_message: Math.round(f - b),
      ...extra,
    }),
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
