import { join } from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import type { Application as KoaApplication } from '@midwayjs/koa';
import type { Application, MidwayKafkaConfig } from 'midway-kafka';
import { brokers, uniqueName } from './kafka';

export type KafkaTestConfig = Omit<MidwayKafkaConfig, 'kafkaConfig'> & {
  kafkaConfig?: Partial<NonNullable<MidwayKafkaConfig['kafkaConfig']>>;
};

/**
 * Boots the fixture app `dir` against the test broker with `kafka` merged into its config, and
 * `other` configuration beside it.
 */
export async function startApp(
  dir: string,
  kafka: KafkaTestConfig = {},
  other: Record<string, unknown> = {},
): Promise<Application> {
  const { kafkaConfig, ...rest } = kafka;
  return createApp<never>(dir, {
    globalConfig: {
      ...other,
      kafka: {
        kafkaConfig: { clientId: uniqueName('app'), brokers: brokers(), ...kafkaConfig },
        ...rest,
      },
    },
  }) as unknown as Promise<Application>;
}

export async function stopApp(app: Application | undefined): Promise<void> {
  if (app) await close(app as never);
}

export const fixture = (testDir: string, name: string) => join(testDir, 'fixtures', name);

/**
 * Boots an example koa app of examples/ against the test broker on a free port, consuming in
 * `groupId` (a group of its own starts at the end of the example's topics, so it sees only what
 * the test sends). Deliberate failures are logged with stacks: they stay in the log files.
 */
export async function startKoaExample(
  dir: string,
  groupId: string,
  options: { imports?: object[] } = {},
): Promise<KoaApplication> {
  return createApp<never>(dir, {
    ...options,
    globalConfig: {
      koa: { port: 0 },
      kafka: { kafkaConfig: { brokers: brokers() }, consumerConfig: { groupId } },
      midwayLogger: {
        default: { consoleLevel: 'warn' },
        clients: { kafkaLogger: { consoleLevel: 'none' } },
      },
    },
  }) as unknown as Promise<KoaApplication>;
}
