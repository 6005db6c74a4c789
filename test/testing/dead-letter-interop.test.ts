import { join } from 'node:path';
import type { Application } from 'midway-kafka';
import { brokers, createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp } from '../helpers/app';
import { kafkaVersion, runJavaSource } from './support';
import { handled, names } from './fixtures/dlt-interop/src/names';

// javac and a JVM on two busy cores take a few seconds each.
jest.setTimeout(180_000);

describe(`dead letters read by a Java service as Spring Kafka reads them (${kafkaVersion()})`, () => {
  let app: Application | undefined;
  const groupId = uniqueName('dlt-interop');
  beforeAll(() => createTopicNamed(names.topic, 2));
  afterAll(() => stopApp(app));

  it('original topic, partition, offset and timestamp decode with ByteBuffer.getInt / getLong', async () => {
    app = await startApp(fixture(__dirname, 'dlt-interop'), { consumerConfig: { groupId } });
    // The failing message is the third on partition 1: offset 2, with a timestamp of its own.
    await produce(names.topic, [
      { value: 'first', partition: 1 },
      { value: 'second', partition: 1 },
      { value: 'poison', partition: 1, timestamp: '1700000000123' },
    ]);
    await waitFor(() => handled.includes('second'), 'the messages before the failing one');

    const read = await runJavaSource(join(__dirname, 'java', 'DltHeaderReader.java'), [
      brokers().join(','),
      `${names.topic}.DLT`,
    ]);
    expect({ code: read.code, stderr: read.stderr }).toMatchObject({ code: 0 });
    const line = read.stdout.trim().split('\n').pop()!;
    expect(JSON.parse(line)).toEqual({
      originalTopic: names.topic,
      originalPartition: 1,
      originalOffset: 2,
      originalTimestamp: 1700000000123,
      originalConsumerGroup: groupId,
      exceptionFqcn: 'KafkaNonRetriableError',
      exceptionCauseFqcn: 'RangeError',
      exceptionMessage: 'no such "SKU"',
      value: 'poison',
    });
  });
});
