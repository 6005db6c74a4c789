/**
 * A Midway app in its own OS process, so a test can run several instances or kill one. Started
 * by peer.ts with `node -r ts-node/register/transpile-only`; settings come as PEER_* variables.
 *
 * - PEER_APP `replier-peer`: answers requests on PEER_TOPIC (in group PEER_GROUP).
 * - PEER_APP `caller-peer`: a member of PEER_GROUP (a listener on PEER_TOPIC) that sends requests
 *   when told to, with `kafka.requestReply` on.
 *
 * SIGTERM closes the app (a graceful stop), then exits 0.
 */
import { join } from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import { KafkaService, type MidwayKafkaFramework } from '../../../src';
import { runChildApp } from '../../helpers/child-main';
import { Traffic } from './traffic';

type Command =
  | { type: 'traffic'; topic: string; concurrency: number; timeout: number }
  | { type: 'progress' }
  | { type: 'stop-traffic' };

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: this process is started by peer.ts`);
  return value;
};

async function main(): Promise<() => Promise<void>> {
  const app = await createApp(join(__dirname, '../fixtures', env('PEER_APP')), {
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: `peer-${process.pid}`, brokers: env('PEER_BROKERS').split(',') },
        // A SIGKILLed member holds its partitions until its session expires: keep that short.
        consumerConfig: {
          groupId: env('PEER_GROUP'),
          sessionTimeout: 10_000,
          heartbeatInterval: 1000,
        },
        shutdownTimeout: 10_000,
        ...(process.env.PEER_REQUEST_REPLY ? { requestReply: {} } : {}),
      },
    },
  });
  const container = app.getApplicationContext();
  const kafkaService = await container.getAsync(KafkaService);
  const framework = app.getFramework() as unknown as MidwayKafkaFramework;
  let joins = 0;
  framework.onStatus(event => {
    if (event.state === 'joined') joins++;
  });
  let traffic: Traffic | undefined;
  const report = (type: string, summary = traffic?.progress()) =>
    process.send?.({ type, summary, stats: kafkaService.requestStats(), joins });

  process.on('message', (command: Command) => {
    if (command.type === 'traffic') {
      traffic = new Traffic(
        payload => kafkaService.request(command.topic, payload, { timeout: command.timeout }),
        `${process.pid}`,
        command.concurrency,
      );
      traffic.start();
    } else if (command.type === 'progress') {
      report('progress');
    } else if (command.type === 'stop-traffic') {
      traffic?.stop().then(summary => report('traffic-done', summary));
    }
  });
  return () => close(app);
}

runChildApp(main);
