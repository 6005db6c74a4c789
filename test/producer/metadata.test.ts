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
    // Four calls of 2, 1, 3 and 1 messages; the partition of each message in request order.
    const partitions = [0, 1, 0, 1, 1, 0, 2];
    const result = splitMetadata(
      't',
      [2, 1, 3, 1],
      [entry(0, '10'), entry(1, '500'), entry(2, '0')],
      position => partitions[position],
    );
    expect(result).toEqual([
      [entry(0, '10'), entry(1, '500')],
      [entry(0, '11')],
      [entry(1, '501'), entry(0, '12')],
      [entry(2, '0')],
    ]);
  });

  it('adds offsets beyond 2^53 exactly', () => {
    const [, second] = splitMetadata('t', [1, 1], [entry(0, '9007199254740993')], () => 0);
    expect(second).toEqual([entry(0, '9007199254740994')]);
  });

  it('fails only the call whose partition has no offset in the response', () => {
    const [first, second] = splitMetadata('t', [1, 1], [entry(0, '3')], position => position);
    expect(first).toEqual([entry(0, '3')]);
    expect(second).toBeInstanceOf(Error);
  });
});
