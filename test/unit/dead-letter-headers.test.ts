import type { IHeaders, KafkaMessage } from 'kafkajs';
import { DLT_HEADERS, readDeadLetterHeaders } from 'midway-kafka';
import { deadLetterHeaders } from '../../src/consumer/dead-letter-headers';

const failed: KafkaMessage = {
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  timestamp: '1700000000123',
  attributes: 0,
  offset: '4294967301', // past 32 bits: must survive as a long
  headers: { trace: Buffer.from('abc'), [DLT_HEADERS.exceptionCauseFqcn]: 'from an earlier hop' },
};

const failure = (error: unknown) => ({
  listener: 'Orders.onOrder',
  groupId: 'g',
  topic: 'orders',
  partition: 3,
  message: failed,
  error,
  attempts: 3,
});

describe('dead-letter headers', () => {
  const headers = deadLetterHeaders(failure(new RangeError('too big', { cause: new TypeError() })));

  it('writes partition, offset and timestamp as Spring Kafka does: big-endian int32, int64, int64', () => {
    const partition = headers[DLT_HEADERS.originalPartition] as Buffer;
    const offset = headers[DLT_HEADERS.originalOffset] as Buffer;
    const timestamp = headers[DLT_HEADERS.originalTimestamp] as Buffer;
    expect(partition).toEqual(Buffer.from([0, 0, 0, 3]));
    expect(offset).toEqual(Buffer.from([0, 0, 0, 1, 0, 0, 0, 5]));
    expect(timestamp.readBigInt64BE(0)).toBe(1700000000123n);
    expect(timestamp).toHaveLength(8);
  });

  it('keeps the original headers, writes the texts as UTF-8 and names the cause', () => {
    expect(headers).toMatchObject({
      trace: Buffer.from('abc'),
      [DLT_HEADERS.originalTopic]: 'orders',
      [DLT_HEADERS.originalConsumerGroup]: 'g',
      [DLT_HEADERS.exceptionFqcn]: 'RangeError',
      [DLT_HEADERS.exceptionCauseFqcn]: 'TypeError',
      [DLT_HEADERS.exceptionMessage]: 'too big',
      [DLT_HEADERS.attempts]: '3',
      [DLT_HEADERS.listener]: 'Orders.onOrder',
    });
    expect(String(headers[DLT_HEADERS.exceptionStacktrace])).toContain('RangeError: too big');
    // Spring's timestamp type is not known to kafkajs: better absent than guessed.
    expect(headers).not.toHaveProperty([DLT_HEADERS.originalTimestampType]);
  });

  it('drops a cause header the original message carried when this error has no cause', () => {
    expect(deadLetterHeaders(failure('plain'))).not.toHaveProperty([
      DLT_HEADERS.exceptionCauseFqcn,
    ]);
    expect(deadLetterHeaders(failure('plain'))[DLT_HEADERS.exceptionFqcn]).toBe('string');
  });

  it('reads back what it wrote, as a consumer receives it (every value a Buffer)', () => {
    const received: IHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, Buffer.from(value as string)]),
    );
    expect(readDeadLetterHeaders(received)).toEqual({
      originalTopic: 'orders',
      originalPartition: 3,
      originalOffset: '4294967301',
      originalTimestamp: '1700000000123',
      originalTimestampType: undefined,
      originalConsumerGroup: 'g',
      exceptionFqcn: 'RangeError',
      exceptionCauseFqcn: 'TypeError',
      exceptionMessage: 'too big',
      exceptionStacktrace: expect.stringContaining('RangeError: too big'),
      attempts: 3,
      listener: 'Orders.onOrder',
    });
  });

  it('reads the decimal text earlier versions wrote, and the last of repeated headers', () => {
    const old: IHeaders = {
      [DLT_HEADERS.originalTopic]: Buffer.from('orders'),
      [DLT_HEADERS.originalPartition]: Buffer.from('12'),
      [DLT_HEADERS.originalOffset]: Buffer.from('12345678'),
      [DLT_HEADERS.originalTimestamp]: '1700000000123',
      [DLT_HEADERS.attempts]: Buffer.from('1'),
      [DLT_HEADERS.exceptionFqcn]: [Buffer.from('First'), Buffer.from('Last')],
    };
    expect(readDeadLetterHeaders(old)).toMatchObject({
      originalTopic: 'orders',
      originalPartition: 12,
      originalOffset: '12345678',
      originalTimestamp: '1700000000123',
      attempts: 1,
      exceptionFqcn: 'Last',
    });
  });

  it('leaves absent or malformed numbers undefined', () => {
    expect(readDeadLetterHeaders(undefined)).toMatchObject({
      originalTopic: undefined,
      originalPartition: undefined,
    });
    const odd = { [DLT_HEADERS.originalOffset]: Buffer.from([1, 2, 3]) };
    expect(readDeadLetterHeaders(odd).originalOffset).toBeUndefined();
  });
});
