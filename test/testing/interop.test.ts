import type { IHeaders } from 'kafkajs';
import { kafkaToolClasses } from 'midway-kafka/testing';
import { brokers, consumeFromStart, createTopic, produce } from '../helpers/kafka';
import { consoleProduce, kafkaVersion, runKafkaTool } from './support';

// Java tools start a JVM each; on two busy cores that takes a few seconds.
jest.setTimeout(120_000);

const tools = kafkaToolClasses(kafkaVersion());

interface Received {
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) result[name] = String(value);
  return result;
}

describe(`interop with Kafka's Java console tools (${kafkaVersion()})`, () => {
  it('kafkajs consumes what the Java console producer wrote, keys and headers intact', async () => {
    const topic = await createTopic('interop-java-to-js');
    // parse.headers: "h1:v1,h2:v2<TAB>key|value"; the default headers delimiter is a tab.
    const lines = [
      'trace-id:t-1,source:java\tkey-1|first value',
      'trace-id:t-2,source:java\tkey-2|second value',
      'trace-id:t-3,source:java\tkey-3|{"json":true}',
    ];
    const produced = await consoleProduce(topic, lines);
    expect({ code: produced.code, stderr: produced.stderr }).toMatchObject({ code: 0 });

    const received = await consumeFromStart(
      topic,
      3,
      (message): Received => ({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? null,
        headers: headerStrings(message.headers),
      }),
      { what: 'the three messages from the Java producer' },
    );
    expect(received).toEqual([
      { key: 'key-1', value: 'first value', headers: { 'trace-id': 't-1', source: 'java' } },
      { key: 'key-2', value: 'second value', headers: { 'trace-id': 't-2', source: 'java' } },
      { key: 'key-3', value: '{"json":true}', headers: { 'trace-id': 't-3', source: 'java' } },
    ]);
  });

  it('the Java console consumer reads what kafkajs wrote, keys and headers intact', async () => {
    const topic = await createTopic('interop-js-to-java');
    await produce(topic, [
      { key: 'order-1', value: 'created', headers: { 'event-type': 'created', origin: 'kafkajs' } },
      { key: 'order-2', value: 'paid', headers: { 'event-type': 'paid', origin: 'kafkajs' } },
      { key: 'order-1', value: 'shipped', headers: { 'event-type': 'shipped' } },
    ]);

    const consumed = await runKafkaTool(tools.consoleConsumer, [
      '--bootstrap-server',
      brokers().join(','),
      '--topic',
      topic,
      '--from-beginning',
      '--max-messages',
      '3',
      '--timeout-ms',
      '60000',
      '--property',
      'print.key=true',
      '--property',
      'print.headers=true',
      '--property',
      'key.separator=|',
    ]);
    expect({ code: consumed.code, stderr: consumed.stderr }).toMatchObject({ code: 0 });
    // Each record prints as "<headers>|<key>|<value>", headers as "name:value,name:value".
    const records = consumed.stdout.split('\n').filter(line => line.split('|').length === 3);
    expect(records).toEqual([
      'event-type:created,origin:kafkajs|order-1|created',
      'event-type:paid,origin:kafkajs|order-2|paid',
      'event-type:shipped|order-1|shipped',
    ]);
  });
});
