import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaComponentError, readDeadLetterHeaders, type Application } from 'midway-kafka';
import { startKafka, type LocalKafka } from 'midway-kafka/testing';
import { consumeFromStart, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { handled, names } from './fixtures/dead-letter-topics/src/names';

// A broker of its own: the shared one creates topics automatically, which hides a missing one.
jest.setTimeout(180_000);

const appDir = fixture(__dirname, 'dead-letter-topics');
const createdDlt = `${names.created}.DLT`;
const vanishingDlt = `${names.vanishing}.DLT`;

describe('dead-letter topics on a broker that does not create topics itself', () => {
  let cluster: LocalKafka;
  let kafka: Kafka;
  let admin: Admin;
  let app: Application | undefined;
  const groupId = uniqueName('dlt-topics');
  const start = (config: { createDeadLetterTopics?: boolean } = {}) =>
    startApp(appDir, {
      kafkaConfig: { brokers: cluster.brokers },
      consumerConfig: { groupId },
      shutdownTimeout: 3000,
      ...config,
    });
  const topics = () => admin.listTopics();
  const committed = async (topic: string) => {
    const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(result.partitions[0].offset);
  };

  beforeAll(async () => {
    cluster = await startKafka({ serverProperties: { 'auto.create.topics.enable': 'false' } });
    kafka = new Kafka({ brokers: cluster.brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: names.created, numPartitions: 3 },
        { topic: names.vanishing, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
  }, 180_000);
  afterAll(async () => {
    await stopApp(app);
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('fails start naming each missing topic, its listener and the fix, when creating them is off', async () => {
    const error = await start({ createDeadLetterTopics: false }).then(
      started => {
        app = started;
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaComponentError);
    expect(error).toMatchObject({ code: 'START_FAILED' });
    const message = (error as Error).message;
    expect(message).toContain(
      `'${createdDlt}' (for PoisonConsumer.onCreated; '${names.created}' has 3 partitions)`,
    );
    expect(message).toContain(`'${vanishingDlt}' (for PoisonConsumer.onVanishing;`);
    expect(message).toContain(`kafka-topics.sh --create --topic ${createdDlt} --partitions 3`);
    expect(message).toContain('kafka.createDeadLetterTopics');
    expect(await topics()).not.toContain(createdDlt);
  });

  it('creates them at start with the partitions of their source, and a failed message keeps its partition number', async () => {
    app = await start();
    const [created] = (await admin.fetchTopicMetadata({ topics: [createdDlt] })).topics;
    expect(created.partitions).toHaveLength(3);
    expect(await topics()).toContain(vanishingDlt);

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: names.created,
      acks: -1,
      // The key hashes to partition 1: only the original partition number puts it on 2.
      messages: [{ value: 'poison', partition: 2, key: 'a key that hashes elsewhere' }],
    });
    await producer.disconnect();
    const [dead] = await consumeFromStart(
      createdDlt,
      1,
      (message, partition) => ({
        partition,
        headers: readDeadLetterHeaders(message.headers),
      }),
      { kafka },
    );
    expect(dead.partition).toBe(2);
    expect(dead.headers).toMatchObject({ originalTopic: names.created, originalPartition: 2 });
  });

  it('a dead-letter topic deleted while the app runs: the partition waits, says why, and loses nothing', async () => {
    app ??= await start();
    if ((await topics()).includes(vanishingDlt)) {
      await admin.deleteTopics({ topics: [vanishingDlt] });
    }
    await waitFor(async () => !(await topics()).includes(vanishingDlt), 'the topic deleted');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: names.vanishing,
      acks: -1,
      messages: [{ value: 'poison' }, { value: 'after' }],
    });

    const log = join(appDir, 'logs', 'midway-kafka.log');
    const complaint = new RegExp(
      `PoisonConsumer.onVanishing: the dead-letter topic '${vanishingDlt}' failed for ${names.vanishing}\\[0\\]@0; ` +
        'it stays uncommitted and its partition waits[\\s\\S]{0,300}?' +
        `Publishing to dead-letter topic '${vanishingDlt}' failed: the topic does not exist`,
    );
    await waitFor(
      () => existsSync(log) && complaint.test(readFileSync(log, 'utf8')),
      'a log line saying the dead-letter topic is missing',
      60_000,
    );
    expect(handled).not.toContain(`${names.vanishing}:after`);
    expect(await committed(names.vanishing)).toBeLessThan(1);

    await admin.createTopics({ topics: [{ topic: vanishingDlt, numPartitions: 1 }] });
    await waitFor(
      () => handled.includes(`${names.vanishing}:after`),
      'the message after the poison one',
      60_000,
    );
    await waitFor(async () => (await committed(names.vanishing)) === 2, 'offset 2 committed');
    const [dead] = await consumeFromStart(vanishingDlt, 1, message => String(message.value), {
      kafka,
    });
    expect(dead).toBe('poison');
    await producer.disconnect();
  });
});
