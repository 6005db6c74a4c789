import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Application, ConsumerStatusEvent, MidwayKafkaFramework } from 'midway-kafka';
import { startKafka, type LocalKafka } from 'midway-kafka/testing';
import { createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { handled, names } from './fixtures/observed/src/names';

const fixtureDir = fixture(__dirname, 'observed');
const frameworkOf = (app: Application) => app.getFramework() as unknown as MidwayKafkaFramework;

describe('observability: status, raw clients, logs', () => {
  beforeAll(() => createTopicNamed(names.topic, 1));

  it('reports its status, exposes the raw kafkajs objects and writes kafkajs logs to midway-kafka.log', async () => {
    const groupId = uniqueName('observed');
    const app = await startApp(fixtureDir, { consumerConfig: { groupId } });
    const framework = frameworkOf(app);
    const events: ConsumerStatusEvent[] = [];
    framework.onStatus(event => events.push(event));
    try {
      expect(framework.getStatus()).toEqual({ [groupId]: 'joined' });
      expect(typeof framework.getConsumer().describeGroup).toBe('function');
      expect(framework.getKafka()).toBeDefined();
      const description = await framework.getConsumer(groupId).describeGroup();
      expect(description.state).toBe('Stable');

      await produce(names.topic, [{ value: 'observed-1' }]);
      await waitFor(() => handled.includes('observed-1'), 'the message');
    } finally {
      await stopApp(app);
    }
    expect(events.map(e => e.state)).toEqual(['stopping', 'stopped']);
    const log = readFileSync(join(fixtureDir, 'logs', 'midway-kafka.log'), 'utf8');
    expect(log).toContain(`[midway-kafka] group '${groupId}' joined ${names.topic}[0]`);
    expect(log).toMatch(/\[kafkajs\] \[Consumer\] Starting/);
  });

  describe('when kafkajs gives up on a consumer', () => {
    let cluster: LocalKafka;
    beforeAll(async () => {
      cluster = await startKafka();
    }, 120_000);
    afterAll(() => cluster?.stop());

    /** Starts the app on the cluster, stops its broker and waits until the framework schedules a restart. */
    async function crashOnBrokerLoss(
      groupId: string,
      consumerConfig: { sessionTimeout?: number; heartbeatInterval?: number } = {},
    ): Promise<{ app: Application; events: ConsumerStatusEvent[] }> {
      let started = false;
      const app = await startApp(fixtureDir, {
        kafkaConfig: {
          brokers: cluster.brokers,
          connectionTimeout: 500,
          retry: { retries: 1, initialRetryTime: 100 },
        },
        // kafkajs would restart a retriable crash itself; once started, this makes it give up so the framework must.
        consumerConfig: {
          groupId,
          ...consumerConfig,
          retry: { retries: 1, initialRetryTime: 100, restartOnFailure: async () => !started },
        },
      });
      started = true;
      const events: ConsumerStatusEvent[] = [];
      frameworkOf(app).onStatus(event => events.push(event));
      await cluster.stopNode(cluster.nodeIds[0]);
      await waitFor(
        () => events.some(e => e.state === 'restarting'),
        'a restart to be scheduled',
        60_000,
      );
      return { app, events };
    }

    it('restarts it with backoff, reports it, and consumes again once the broker is back', async () => {
      const topic = names.topic;
      const admin = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();

      const { app, events } = await crashOnBrokerLoss(uniqueName('crash'));
      try {
        await cluster.startNode(cluster.nodeIds[0]);
        const joinedAgain = () =>
          Object.values(frameworkOf(app).getStatus()).every(state => state === 'joined');
        await waitFor(joinedAgain, 'the group to be joined again', 90_000);

        const producer = new Kafka({
          brokers: cluster.brokers,
          logLevel: logLevel.NOTHING,
        }).producer();
        await producer.connect();
        await producer.send({ topic, acks: -1, messages: [{ value: 'after-restart' }] });
        await producer.disconnect();
        await waitFor(
          () => handled.includes('after-restart'),
          'a message after the restart',
          60_000,
        );
        const states = events.map(e => e.state);
        expect(states).toContain('crashed');
        expect(states.indexOf('restarting')).toBeLessThan(states.lastIndexOf('joined'));
      } finally {
        await stopApp(app);
      }
    }, 240_000);

    it('starts no consumer again once the app is closing, even from a restart under way', async () => {
      const groupId = uniqueName('closing');
      // The crashed consumer never left the group: a short session lets the broker drop it.
      const { app, events } = await crashOnBrokerLoss(groupId, {
        sessionTimeout: 6000,
        heartbeatInterval: 1000,
      });
      // Close the app the moment a restart starts connecting a new consumer.
      let closing: Promise<void> | undefined;
      frameworkOf(app).onStatus(event => {
        if (event.state === 'connecting') closing ??= stopApp(app);
      });
      await cluster.startNode(cluster.nodeIds[0]);
      await waitFor(() => closing !== undefined, 'a restart to start connecting', 90_000);
      await closing;
      const stoppedAt = events.length;
      expect(events[stoppedAt - 1]?.state).toBe('stopped');
      // Long enough for a restart that went on regardless to connect, join and report it, and
      // for the crashed consumer's session to expire.
      await new Promise(resolve => setTimeout(resolve, 15_000));
      expect(events.slice(stoppedAt).map(e => e.state)).toEqual([]);
      const admin = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([groupId]);
        expect(groups[0]?.members ?? []).toEqual([]);
      } finally {
        await admin.disconnect();
      }
    }, 240_000);
  });
});
