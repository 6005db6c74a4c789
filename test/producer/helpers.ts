import * as path from 'node:path';
import { close, createLightApp } from '@midwayjs/mock';
import type { IMidwayApplication } from '@midwayjs/core';
import type { IHeaders } from 'kafkajs';
import { KafkaService, type MidwayKafkaConfig } from 'midway-kafka';
import { brokers, consumeFromStart, uniqueName, withAdmin } from '../helpers/kafka';

export const PRODUCER_APP = path.join(__dirname, 'fixtures/producer-app');

/**
 * Starts the producer-only fixture app. It has no framework of its own, so it runs on
 * `@midwayjs/mock`'s light framework; `kafka` replaces the test defaults key by key.
 */
export async function startProducerApp(
  kafka: Partial<MidwayKafkaConfig> = {},
): Promise<IMidwayApplication> {
  return createLightApp(PRODUCER_APP, {
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: uniqueName('producer-test'), brokers: brokers() },
        ...kafka,
      },
    },
  });
}

export async function kafkaServiceOf(app: IMidwayApplication): Promise<KafkaService> {
  return app.getApplicationContext().getAsync(KafkaService);
}

export { close };

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: IHeaders;
  timestamp: string;
}

/**
 * Reads a topic from the beginning with a fresh group until `count` messages arrived, then checks
 * the log holds exactly `count` records (so nothing was written twice).
 */
export async function readTopic(topic: string, count: number): Promise<ConsumedMessage[]> {
  const received = await consumeFromStart(
    topic,
    count,
    (m, partition) => ({
      partition,
      offset: m.offset,
      key: m.key ? m.key.toString() : null,
      value: m.value,
      headers: m.headers ?? {},
      timestamp: m.timestamp,
    }),
    { timeoutMs: 60_000 },
  );
  expect(await recordsInTopic(topic)).toBe(count);
  expect(received).toHaveLength(count);
  return received;
}

/** How many records the topic's log holds, over all partitions. */
export async function recordsInTopic(topic: string): Promise<number> {
  const offsets = await withAdmin(admin => admin.fetchTopicOffsets(topic));
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/**
 * One producer app for the tests of a `describe`: started before them and closed after them,
 * and no unhandled rejection may happen meanwhile.
 */
export function useProducerApp(): {
  readonly app: IMidwayApplication;
  readonly kafkaService: KafkaService;
} {
  let app: IMidwayApplication | undefined;
  let kafkaService: KafkaService | undefined;
  const rejections = trackUnhandledRejections();
  beforeAll(async () => {
    app = await startProducerApp();
    kafkaService = await kafkaServiceOf(app);
  });
  afterAll(async () => {
    if (app) await close(app);
    rejections.dispose();
    expect(rejections.errors).toEqual([]);
  });
  return {
    get app() {
      return app as IMidwayApplication;
    },
    get kafkaService() {
      return kafkaService as KafkaService;
    },
  };
}

/** Collects unhandled rejections while a test file runs; none may happen. */
export function trackUnhandledRejections(): { errors: unknown[]; dispose(): void } {
  const errors: unknown[] = [];
  const onRejection = (reason: unknown) => errors.push(reason);
  process.on('unhandledRejection', onRejection);
  return { errors, dispose: () => process.off('unhandledRejection', onRejection) };
}
