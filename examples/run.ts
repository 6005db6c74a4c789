/**
 * Runs one example app until Ctrl+C:
 *
 *   npx ts-node --transpile-only examples/run.ts seed-multi-topic
 *   MIDWAY_VERSION=4 npx ts-node --transpile-only examples/run.ts midway4-quickstart
 *
 * Brokers come from KAFKA_BROKERS (the seed apps read KAFKA_URL, which is set from it); without
 * either, a local broker is started with midway-kafka/testing and stopped on exit. With
 * MIDWAY_VERSION=4 the app runs on the Midway 4 packages of compat/midway4.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// Before anything loads @midwayjs/*: which Midway major they come from (compat/midway.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../compat/register');

async function main(): Promise<void> {
  const name = process.argv[2];
  const appDir = name ? join(__dirname, name) : '';
  if (!name || !existsSync(join(appDir, 'src', 'configuration.ts'))) {
    console.error(
      'usage: ts-node --transpile-only examples/run.ts <example folder, e.g. seed-basic>',
    );
    process.exit(2);
  }
  let stopBroker = async () => {};
  if (!process.env.KAFKA_BROKERS && !process.env.KAFKA_URL) {
    const { startKafka } = await import('midway-kafka/testing');
    const kafka = await startKafka();
    process.env.KAFKA_BROKERS = kafka.brokers.join(',');
    stopBroker = () => kafka.stop();
  }
  process.env.KAFKA_BROKERS ??= process.env.KAFKA_URL;
  process.env.KAFKA_URL ??= process.env.KAFKA_BROKERS?.split(',')[0];

  const core = await import('@midwayjs/core');
  const { loggers } = await import('@midwayjs/logger');
  const container = await core.initializeGlobalApplicationContext({
    appDir,
    baseDir: join(appDir, 'src'),
    imports: [await import(join(appDir, 'src', 'configuration'))],
    loggerFactory: loggers,
    // Outside local/unittest environments Midway logs under $HOME/logs; keep them with the app.
    globalConfig: { midwayLogger: { default: { dir: join(appDir, 'logs') } } },
  });
  console.log(`${name} is running against ${process.env.KAFKA_BROKERS}; Ctrl+C stops it.`);
  await new Promise(resolve => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await core.destroyGlobalApplicationContext(container);
  await stopBroker();
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
