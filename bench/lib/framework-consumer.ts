/**
 * One measured run of bench:consume's framework variant, in a process of its own so that it runs
 * on the Midway major of MIDWAY_VERSION (the parent starts it with compat/register.js): boots
 * bench/fixtures/consume-app, counts BENCH_MESSAGES deliveries of BENCH_CONSUME_TOPIC to its
 * listener in the fresh group BENCH_GROUP, and sends the rate to the parent. BENCH_ASYNC_CONTEXT
 * turns Midway's async context manager on or off (Midway 3's default is off, Midway 4's on).
 */
import { join } from 'node:path';
import { close, createApp } from '@midwayjs/mock';
import { benchCounter } from '../fixtures/consume-app/src/counter';

async function main(): Promise<void> {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  const messages = Number(env('BENCH_MESSAGES'));
  const finished = benchCounter.reset(messages);
  const app = await createApp(join(__dirname, '../fixtures/consume-app'), {
    globalConfig: {
      kafka: {
        kafkaConfig: { clientId: 'bench-framework', brokers: env('KAFKA_BROKERS').split(',') },
        consumerConfig: { groupId: env('BENCH_GROUP') },
      },
      midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
      asyncContextManager: { enable: env('BENCH_ASYNC_CONTEXT') === 'true' },
    },
  });
  await finished;
  const rate = (messages - 1) / ((benchCounter.lastAt - benchCounter.firstAt) / 1000);
  await close(app);
  process.send!({ rate });
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
