import { Kafka, logLevel } from 'kafkajs';
import { startKafka, type LocalKafka } from 'midway-kafka/testing';
import { consumeFromStart, createTopicsReady, uniqueName, waitFor } from '../helpers/kafka';
import { kafkaVersion, processesMentioning } from './support';

// Three JVMs on two cores: startup and leader changes take a while.
jest.setTimeout(180_000);

describe(`a 3-node local cluster (${kafkaVersion()})`, () => {
  let cluster: LocalKafka;

  beforeAll(async () => {
    cluster = await startKafka({ nodes: 3, kafkaVersion: kafkaVersion() });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const client = (brokers: string[]) =>
    new Kafka({ clientId: uniqueName('cluster-test'), brokers, logLevel: logLevel.NOTHING });

  it('registers all three nodes', async () => {
    expect(cluster.brokers).toHaveLength(3);
    const admin = client(cluster.brokers).admin();
    await admin.connect();
    try {
      const described = await admin.describeCluster();
      expect(described.brokers.map(b => b.nodeId).sort()).toEqual([1, 2, 3]);
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps serving a replication-factor-3 topic with one node stopped', async () => {
    const topic = uniqueName('rf3');
    const admin = client(cluster.brokers).admin();
    await admin.connect();
    try {
      await createTopicsReady(admin, [
        {
          topic,
          numPartitions: 3,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ]);
    } finally {
      await admin.disconnect();
    }

    await cluster.stopNode(2);
    const survivors = [cluster.brokers[0], cluster.brokers[2]];
    const kafka = client(survivors);

    // acks=-1 needs min.insync.replicas (2) in-sync copies: the two survivors must carry it.
    const producer = kafka.producer();
    await producer.connect();
    const values = Array.from({ length: 30 }, (_, i) => `while-node-2-down-${i}`);
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: values.map(value => ({ key: value, value })),
      });
    } finally {
      await producer.disconnect();
    }

    const received = await consumeFromStart(
      topic,
      values.length,
      message => message.value!.toString(),
      { kafka, what: 'all messages from two nodes', timeoutMs: 90_000 },
    );
    expect(received.sort()).toEqual([...values].sort());

    await cluster.startNode(2);
    const admin2 = client(cluster.brokers).admin();
    await admin2.connect();
    try {
      // On a busy machine a node just back can drop out of the metadata for a moment (fenced
      // until its next heartbeat reaches the controller): wait for the cluster to settle.
      const nodeIds = async () =>
        (await admin2.describeCluster()).brokers.map(b => b.nodeId).sort();
      await waitFor(
        async () => (await nodeIds()).length === 3,
        'node 2 back in the cluster metadata',
        30_000,
      );
      expect(await nodeIds()).toEqual([1, 2, 3]);
    } finally {
      await admin2.disconnect();
    }
  });

  it('stop() is idempotent, removes the data and leaves no JVM behind', async () => {
    const dataDir = cluster.dataDir;
    expect(processesMentioning(dataDir).length).toBeGreaterThan(0);
    await Promise.all([cluster.stop(), cluster.stop()]);
    await cluster.stop();
    expect(processesMentioning(dataDir)).toEqual([]);
    const { existsSync } = await import('node:fs');
    expect(existsSync(dataDir)).toBe(false);
  });
});
