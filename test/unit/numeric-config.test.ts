import { KafkaConfigError, type KafkaListenerOptions, type MidwayKafkaConfig } from 'midway-kafka';
import { checkNumber } from '../../src/config/check-number';
import {
  validateComponentConfig,
  validateKafkaConfig,
} from '../../src/config/validate-kafka-config';
import { planGroups } from '../../src/listener/plan-groups';
import { resolveProducerSettings } from '../../src/producer/options';

class OrderConsumer {}

const brokers = ['127.0.0.1:9092'];

/** Runs every check start runs on `config` with one listener declared with `options`. */
function start(config: MidwayKafkaConfig, options: KafkaListenerOptions = {}): void {
  const kafka = { kafkaConfig: { brokers }, consumerConfig: { groupId: 'g' }, ...config };
  validateKafkaConfig(kafka);
  validateComponentConfig(kafka);
  resolveProducerSettings(kafka);
  planGroups(
    [
      {
        id: 'OrderConsumer.onOrder',
        target: OrderConsumer,
        propertyKey: 'onOrder',
        topic: 'orders',
        options,
      },
    ],
    kafka,
  );
}

const failure = (run: () => void): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(KafkaConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a KafkaConfigError');
};

describe('checkNumber', () => {
  it('lets undefined through, and null where the rule allows it', () => {
    expect(() => checkNumber('x', undefined, { min: 1 })).not.toThrow();
    expect(() => checkNumber('x', null, { min: 1, nullable: true })).not.toThrow();
    expect(() => checkNumber('x', null, { min: 1 })).toThrow('x: must be a number >= 1, got null');
  });

  it.each([
    [Number.NaN, 'NaN'],
    [2.5, '2.5'],
    ['4', '"4"'],
    [0, '0'],
    [Infinity, 'Infinity'],
  ])('refuses %p for a whole number >= 1, showing it as %s', (value, shown) => {
    expect(() => checkNumber('p', value, { min: 1, integer: true })).toThrow(
      `p: must be a whole number >= 1`,
    );
    expect(() => checkNumber('p', value, { min: 1, integer: true })).toThrow(`got ${shown}.`);
  });

  it('names the int32 ceiling only for a value beyond it, and allows Infinity where asked', () => {
    expect(() => checkNumber('p', 2 ** 31, { min: 1 })).toThrow(
      'must be a number >= 1 and at most 2147483647, got 2147483648',
    );
    expect(() => checkNumber('p', Infinity, { min: 1, infinite: true })).not.toThrow();
    expect(() => checkNumber('p', 1.5, { min: 0, max: 1 })).toThrow('from 0 to 1, got 1.5');
  });
});

describe('numeric configuration, as start checks it', () => {
  it('accepts the documented examples and the defaults', () => {
    expect(() => start({})).not.toThrow();
    expect(() =>
      start(
        {
          kafkaConfig: { brokers, connectionTimeout: 3000, retry: { retries: 8, factor: 0.2 } },
          consumerConfig: { groupId: 'g', sessionTimeout: 6000, heartbeatInterval: 1000 },
          producerConfig: { maxInFlightRequests: 1, retry: { retries: Infinity } },
          retry: { attempts: Infinity, initialDelayMs: 0.5 },
          shutdownTimeout: 0,
        },
        {
          runConfig: { partitionsConsumedConcurrently: 4, autoCommitInterval: null },
          retry: { attempts: 5, jitter: 0 },
        },
      ),
    ).not.toThrow();
  });

  it.each<[string, MidwayKafkaConfig, KafkaListenerOptions, string]>([
    [
      'partitionsConsumedConcurrently NaN',
      {},
      { runConfig: { partitionsConsumedConcurrently: Number.NaN } },
      "@KafkaListener('orders') on OrderConsumer.onOrder: runConfig.partitionsConsumedConcurrently: must be a whole number >= 1, got NaN",
    ],
    [
      'partitionsConsumedConcurrently 2.5',
      {},
      { runConfig: { partitionsConsumedConcurrently: 2.5 } },
      'runConfig.partitionsConsumedConcurrently: must be a whole number >= 1, got 2.5',
    ],
    [
      'a negative autoCommitInterval',
      {},
      { runConfig: { autoCommitInterval: -5 } },
      'runConfig.autoCommitInterval: must be a number >= 0 or null, got -5',
    ],
    [
      'a fractional autoCommitThreshold',
      {},
      { runConfig: { autoCommitThreshold: 0.5 } },
      'runConfig.autoCommitThreshold: must be a whole number >= 1 or null, got 0.5',
    ],
    [
      "a listener's retry jitter",
      {},
      { retry: { jitter: 2 } },
      'on OrderConsumer.onOrder: retry.jitter: must be a number from 0 to 1, got 2',
    ],
    [
      'a string sessionTimeout',
      { consumerConfig: { groupId: 'g', sessionTimeout: '30000' as never } },
      {},
      'kafka.consumerConfig.sessionTimeout: must be a whole number >= 1, got "30000"',
    ],
    [
      'a heartbeat as long as the session',
      { consumerConfig: { groupId: 'g', sessionTimeout: 6000, heartbeatInterval: 6000 } },
      {},
      'kafka.consumerConfig.heartbeatInterval: 6000 ms is not shorter than sessionTimeout (6000 ms)',
    ],
    [
      'a heartbeat longer than the default session',
      { consumerConfig: { groupId: 'g', heartbeatInterval: 45_000 } },
      {},
      'than sessionTimeout (30000 ms)',
    ],
    [
      'maxBytes beyond int32',
      { consumerConfig: { groupId: 'g', maxBytes: 2 ** 32 } },
      {},
      'kafka.consumerConfig.maxBytes: must be a whole number >= 1 and at most 2147483647',
    ],
    [
      'NaN maxWaitTimeInMs',
      { consumerConfig: { groupId: 'g', maxWaitTimeInMs: Number.NaN } },
      {},
      'kafka.consumerConfig.maxWaitTimeInMs: must be a whole number >= 0, got NaN',
    ],
    [
      "the consumer's kafkajs retry",
      { consumerConfig: { groupId: 'g', retry: { retries: -1 } } },
      {},
      'kafka.consumerConfig.retry.retries: must be a whole number >= 0 or Infinity, got -1',
    ],
    [
      'a client connectionTimeout',
      { kafkaConfig: { brokers, connectionTimeout: Number.NaN } },
      {},
      'kafka.kafkaConfig.connectionTimeout: must be a whole number >= 1, got NaN',
    ],
    [
      "the client's retry factor",
      { kafkaConfig: { brokers, retry: { factor: 5 } } },
      {},
      'kafka.kafkaConfig.retry.factor: must be a number from 0 to 1, got 5',
    ],
    [
      'a producer transactionTimeout',
      { producerConfig: { transactionTimeout: 1.5 } },
      {},
      'kafka.producerConfig.transactionTimeout: must be a whole number >= 1, got 1.5',
    ],
    [
      "the producer's retry multiplier",
      { producerConfig: { retry: { multiplier: Number.NaN } } },
      {},
      'kafka.producerConfig.retry.multiplier: must be a number >= 1, got NaN',
    ],
    [
      'a NaN lingerMs',
      { producerBatching: { lingerMs: Number.NaN } },
      {},
      'kafka.producerBatching.lingerMs: must be a number >= 0, got NaN',
    ],
    [
      'kafka.retry attempts 1.5',
      { retry: { attempts: 1.5 } },
      {},
      'kafka.retry.attempts: must be a whole number >= 1 or Infinity, got 1.5',
    ],
    [
      'a startTimeout past what a timer can wait',
      { startTimeout: 3e9 },
      {},
      'kafka.startTimeout: must be a number >= 1 and at most 2147483647, got 3000000000',
    ],
    [
      'a NaN sendTimeout',
      { sendTimeout: Number.NaN },
      {},
      'kafka.sendTimeout: must be a number >= 1',
    ],
    [
      'createDeadLetterTopics as a string',
      { createDeadLetterTopics: 'no' as never },
      {},
      'kafka.createDeadLetterTopics: must be true or false, got "no"',
    ],
    [
      'an empty dead-letter topic',
      {},
      { deadLetterTopic: ' ' },
      "@KafkaListener('orders') on OrderConsumer.onOrder: deadLetterTopic",
    ],
  ])('refuses %s, naming the path, the value and the fix', (_, config, options, message) => {
    const text = failure(() => start(config, options));
    expect(text).toContain(message);
    expect(text).toMatch(/Set it to |Make |Use |Name a topic/);
  });
});
