import { join } from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import type { Application, MidwayKafkaConfig } from 'midway-kafka';
import { brokers, uniqueName } from './kafka';

export type KafkaTestConfig = Omit<MidwayKafkaConfig, 'kafkaConfig'> & {
  kafkaConfig?: Partial<NonNullable<MidwayKafkaConfig['kafkaConfig']>>;
};

/** Boots the fixture app `dir` against the test broker with `kafka` merged into its config. */
export async function startApp(dir: string, kafka: KafkaTestConfig = {}): Promise<Application> {
  const { kafkaConfig, ...rest } = kafka;
  return createApp<never>(dir, {
    globalConfig: {
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
