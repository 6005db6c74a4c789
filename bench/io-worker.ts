/**
 * One measured run of `bench:io` in a process of its own (a fresh heap, and the listener's
 * options fixed at load): drains the topic with the variant in BENCH_IO_VARIANT and prints
 * `{"rate": …}` on its last line.
 */
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this through bench/io.bench.ts`);
  return value;
};
const brokers = env('BENCH_IO_BROKERS').split(',');
const topic = env('BENCH_IO_TOPIC');
const messages = Number(env('BENCH_IO_MESSAGES'));
const variant = env('BENCH_IO_VARIANT');
const groupId = `bench-io-${variant}-${process.pid}-${Date.now()}`;

async function main(): Promise<void> {
  const { ioBench } = await import('./fixtures/io-app/src/io-bench');
  const finished = ioBench.expect(messages);
  let stop: () => Promise<void>;
  if (variant === 'kafkajs') {
    const consumer = new Kafka({
      clientId: 'bench-io',
      brokers,
      logLevel: logLevel.NOTHING,
    }).consumer({
      groupId,
      maxWaitTimeInMs: 1000,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: ioBench.partitions,
      eachMessage: async () => {
        await ioBench.io();
        ioBench.tick(1);
      },
    });
    stop = () => consumer.disconnect();
  } else {
    process.env.BENCH_IO_MODE = variant;
    const { createApp, close } = await import('@midwayjs/mock');
    const app = await createApp(join(__dirname, 'fixtures/io-app'), {
      globalConfig: {
        kafka: { kafkaConfig: { clientId: 'bench-io', brokers }, consumerConfig: { groupId } },
        midwayLogger: { default: { level: 'warn', consoleLevel: 'warn' } },
      },
    });
    stop = () => close(app);
  }
  await finished;
  const rate = (messages - 1) / ((ioBench.lastAt - ioBench.firstAt) / 1000);
  await stop().catch(() => undefined);
  console.log(JSON.stringify({ rate }));
  process.exit(0);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
