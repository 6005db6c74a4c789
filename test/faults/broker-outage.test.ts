import { KafkaService, type Application, type MidwayKafkaFramework } from 'midway-kafka';
import { startKafka, type LocalKafka } from 'midway-kafka/testing';
import { uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { kafkaVersion } from '../testing/support';
import { handled, stream } from './fixtures/stream-app/src/names';
import { createClusterTopic } from './support/cluster';
import { describeError, printReport } from './support/ledger';
import { awaitRecovery, startProducing, type ProduceLoop } from './support/produce-loop';

const OUTAGE_MS = 10_000;

// A broker of its own (the shared one must stay up), a 10 s outage and a broker restart.
jest.setTimeout(240_000);

describe('fault: the broker is stopped for 10 s while the app produces and consumes', () => {
  let kafka: LocalKafka;
  let app: Application | undefined;
  let loop: ProduceLoop | undefined;
  const groupId = uniqueName('fault-outage-group');

  beforeAll(async () => {
    kafka = await startKafka({ kafkaVersion: kafkaVersion() });
    await createClusterTopic(kafka.brokers, { topic: stream.topic, numPartitions: 3 });
    // Default kafkajs and component settings, as an application would run.
    app = await startApp(fixture(__dirname, 'stream-app'), {
      kafkaConfig: { brokers: kafka.brokers },
      consumerConfig: { groupId },
    });
  });

  afterAll(async () => {
    await loop?.stop();
    await stopApp(app);
    await kafka?.stop();
  });

  // Jest fails the test on an unhandled rejection, so a pass also means none happened.
  it('both sides recover without restarting the app and every confirmed message is handled', async () => {
    const startedAt = Date.now();
    const running = app!;
    const service = await running.getApplicationContext().getAsync(KafkaService);
    const framework = running.getFramework() as unknown as MidwayKafkaFramework;
    loop = startProducing(value => service.emit(stream.topic, value), { prefix: 'outage' });
    const producing = loop;
    await waitFor(() => handled.length >= 200, 'the stream to flow', 60_000);

    const [node] = kafka.nodeIds;
    await kafka.stopNode(node);
    const failuresBefore = producing.failures;
    await new Promise(resolve => setTimeout(resolve, OUTAGE_MS));
    await kafka.startNode(node);
    const { producerMs, consumerMs, lost, duplicates, unconfirmed } = await awaitRecovery(
      producing,
      handled,
      Date.now(),
      200,
    );
    printReport(
      {
        fault: 'broker-outage-10s',
        kafkaVersion: kafkaVersion(),
        produced: producing.confirmed.length,
        handled: handled.length,
        lost: lost.length,
        duplicates,
        durationMs: Date.now() - startedAt,
      },
      {
        failedSends: producing.failures,
        lastSendError: describeError(producing.lastError),
        failedSendsDuringOutage: producing.failures - failuresBefore,
        failedButWritten: unconfirmed,
        producerBackMs: producerMs,
        consumerCaughtUpMs: consumerMs,
      },
    );
    expect(lost).toEqual([]);
    expect(framework.getStatus()[groupId]).toBe('joined');
  });
});
