import { buildEmitMessage, prepareMessages, serializeValue } from '../../src/producer/messages';

describe('emit values', () => {
  it('sends strings and Buffers as they are, null as a tombstone, the rest as JSON', () => {
    const buffer = Buffer.from([1, 2]);
    expect(serializeValue('t', 'text')).toBe('text');
    expect(serializeValue('t', buffer)).toBe(buffer);
    expect(serializeValue('t', null)).toBeNull();
    expect(serializeValue('t', { a: [1, { b: true }] })).toBe('{"a":[1,{"b":true}]}');
    expect(serializeValue('t', 5)).toBe('5');
    expect(serializeValue('t', false)).toBe('false');
    expect(serializeValue('t', new Uint8Array([7]))).toEqual(Buffer.from([7]));
  });

  it.each([
    [
      'a circular object',
      (() => {
        const o: Record<string, unknown> = {};
        o.o = o;
        return o;
      })(),
      /circular/i,
    ],
    ['a BigInt', { n: BigInt(1) }, /BigInt/],
    ['undefined', undefined, /null for a tombstone/],
    ['a function', () => 1, /Cannot serialise a function/],
  ])('rejects %s with SERIALIZATION_FAILED naming the topic', (_, value, message) => {
    expect(() => serializeValue('orders', value)).toThrow(message);
    expect(() => serializeValue('orders', value)).toThrow(/"orders"/);
  });

  it('builds the message with key, headers, partition and timestamp', () => {
    const when = new Date(1_700_000_000_000);
    expect(
      buildEmitMessage(
        't',
        { a: 1 },
        { key: 'k', headers: { h: 'v' }, partition: 2, timestamp: when },
      ),
    ).toEqual({
      value: '{"a":1}',
      key: 'k',
      headers: { h: 'v' },
      partition: 2,
      timestamp: '1700000000000',
    });
    expect(() => buildEmitMessage('t', 1, { timestamp: 'soon' })).toThrow(/Invalid timestamp/);
  });
});

describe('send records', () => {
  it('copies valid messages and counts their bytes', () => {
    const messages = [{ key: 'k', value: 'abc', headers: { h: Buffer.from('xy') } }];
    const prepared = prepareMessages('t', messages);
    expect(prepared.messages).toEqual([expect.objectContaining(messages[0])]);
    expect(prepared.messages[0]).not.toBe(messages[0]);
    expect(prepared.bytes).toBeGreaterThanOrEqual(1 + 3 + 3);
  });

  it.each([
    ['an object value', [{ value: { a: 1 } }], /JSON.stringify the value or use emit/],
    ['an undefined value', [{}], /value of message 0 .* undefined/],
    ['a numeric key', [{ key: 1, value: 'v' }], /key of message 0/],
    ['a numeric header', [{ value: 'v', headers: { h: 1 } }], /header "h"/],
    ['a negative partition', [{ value: 'v', partition: -1 }], /partition -1/],
    ['a non-array', 'v', /expected an array/],
  ])('rejects %s', (_, messages, message) => {
    expect(() => prepareMessages('t', messages)).toThrow(message);
  });

  it('rejects an empty topic', () => {
    expect(() => prepareMessages('', [{ value: 'v' }])).toThrow(/non-empty string/);
  });
});
