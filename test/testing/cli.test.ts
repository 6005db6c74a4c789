import { existsSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName, waitFor } from '../helpers/kafka';
import { brokersLine, cliDataDir, kafkaVersion, processesMentioning, startCli } from './support';

jest.setTimeout(180_000);

async function describeBrokers(brokers: string[]): Promise<number[]> {
  const admin = new Kafka({
    clientId: uniqueName('cli-test'),
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.map(b => b.nodeId).sort();
  } finally {
    await admin.disconnect();
  }
}

describe(`the midway-kafka-broker command (${kafkaVersion()})`, () => {
  it.each([
    { nodes: 1, ids: [1] },
    { nodes: 3, ids: [1, 2, 3] },
  ])(
    'with --nodes $nodes prints KAFKA_BROKERS within 60 s and stops cleanly on SIGINT',
    async ({ nodes, ids }) => {
      const cli = startCli(['--nodes', String(nodes), '--kafka-version', kafkaVersion()]);
      try {
        const brokers = await brokersLine(cli, 60_000);
        expect(brokers).toHaveLength(nodes);
        for (const broker of brokers) expect(broker).toMatch(/^127\.0\.0\.1:\d+$/);
        expect(await describeBrokers(brokers)).toEqual(ids);

        const dataDir = await cliDataDir(cli);
        expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
        cli.child.kill('SIGINT');
        expect(await cli.exited).toEqual({ code: 0, signal: null });
        expect(processesMentioning(dataDir)).toEqual([]);
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        cli.child.kill('SIGKILL');
      }
    },
  );

  it('leaves no JVM behind even when it is killed with SIGKILL', async () => {
    const cli = startCli(['--kafka-version', kafkaVersion()]);
    let dataDir: string;
    try {
      await brokersLine(cli, 60_000);
      dataDir = await cliDataDir(cli);
    } finally {
      // Also when the test fails before its own SIGKILL: never leave a CLI (and broker) running.
      cli.child.kill('SIGKILL');
    }
    await cli.exited;
    // The watchdog notices its stdin closing, stops the JVM and removes the data.
    await waitFor(
      () => processesMentioning(dataDir).length === 0,
      'the orphaned JVM to be stopped',
      30_000,
    );
    await waitFor(() => !existsSync(dataDir), 'the data directory to be removed', 10_000);
  });

  it('uses a fixed --port', async () => {
    const { freePorts } = await import('../../src/testing/ports');
    const [port] = await freePorts(1);
    const cli = startCli(['--port', String(port), '--kafka-version', kafkaVersion()]);
    try {
      expect(await brokersLine(cli, 60_000)).toEqual([`127.0.0.1:${port}`]);
      cli.child.kill('SIGTERM');
      expect((await cli.exited).code).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('explains bad flags', async () => {
    const cli = startCli(['--nodes', '2']);
    expect((await cli.exited).code).toBe(2);
    expect(cli.stderr()).toContain('--nodes must be 1 or 3');
    expect(cli.stderr()).toContain('Usage: midway-kafka-broker');
  });
});
