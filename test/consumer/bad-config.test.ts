import { KafkaConfigError } from 'midway-kafka';
import { createTopicNamed, uniqueName, withAdmin } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { names } from './fixtures/bad-config/src/names';

describe('configuration kafkajs cannot use', () => {
  const rejections: unknown[] = [];
  const record = (reason: unknown) => rejections.push(reason);
  beforeAll(async () => {
    await createTopicNamed(names.topic, 1);
    process.on('unhandledRejection', record);
  });
  afterAll(() => process.off('unhandledRejection', record));

  it('a NaN partitionsConsumedConcurrently fails start naming where it was set, and nothing rejects later', async () => {
    const groupId = uniqueName('bad-config');
    const startTimeout = 2000;
    const error = await startApp(fixture(__dirname, 'bad-config'), {
      consumerConfig: { groupId },
      startTimeout,
    }).then(
      app => stopApp(app).then(() => undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaConfigError);
    const message = (error as Error).message;
    expect(message).toContain(
      `@KafkaListener('${names.topic}') on BadConfigConsumer.onValue: runConfig.partitionsConsumedConcurrently`,
    );
    expect(message).toContain('must be a whole number >= 1, got NaN');

    // Refused before any consumer existed: the group never reached the broker.
    const { groups } = await withAdmin(admin => admin.describeGroups([groupId]));
    expect(groups[0].state).toBe('Dead');
    // A consumer half-started with the bad value left a start timer behind that rejected with
    // nobody listening; it would fire within startTimeout, so this outlasts it.
    await new Promise(resolve => setTimeout(resolve, startTimeout + 1000));
    expect(rejections).toEqual([]);
  });
});
