import type { Message } from 'kafkajs';
import { splitMetadata } from '../../src/producer/metadata';

describe('splitting a batched response back to each call', () => {
  const entry = (partition: number, baseOffset: string) => ({
    topicName: 't',
    partition,
    errorCode: 0,
    baseOffset,
    logAppendTime: '-1',
    logStartOffset: '0',
  });

  it('gives each call the offset of its first message per partition (base + index)', () => {
    const m = (partition: number): Message & { p: number } => ({ value: 'v', p: partition });
    const calls = [[m(0), m(1)], [m(0)], [m(1), m(1), m(0)], [m(2)]];
    const result = splitMetadata(
      't',
      calls,
      [entry(0, '10'), entry(1, '500'), entry(2, '0')],
      msg => (msg as unknown as { p: number }).p,
    );
    expect(result).toEqual([
      [entry(0, '10'), entry(1, '500')],
      [entry(0, '11')],
      [entry(1, '501'), entry(0, '12')],
      [entry(2, '0')],
    ]);
  });

  it('adds offsets beyond 2^53 exactly', () => {
    const calls = [[{ value: 'a' }], [{ value: 'b' }]];
    const [, second] = splitMetadata('t', calls, [entry(0, '9007199254740993')], () => 0);
    expect(second).toEqual([entry(0, '9007199254740994')]);
  });

  it('fails only the call whose partition has no offset in the response', () => {
    const calls = [[{ value: 'a', partition: 0 }], [{ value: 'b', partition: 1 }]];
    const [first, second] = splitMetadata('t', calls, [entry(0, '3')], msg => msg.partition);
    expect(first).toEqual([entry(0, '3')]);
    expect(second).toBeInstanceOf(Error);
  });
});
