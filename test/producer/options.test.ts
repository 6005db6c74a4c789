import {
  DEFAULT_PRODUCER_BATCHING,
  DEFAULT_PRODUCER_CONFIG,
  resolveProducerSettings,
} from '../../src/producer/options';

describe('producer settings', () => {
  it('applies the safe defaults: idempotent, one request in flight, bounded kafkajs retries', () => {
    const settings = resolveProducerSettings({ kafkaConfig: { brokers: ['localhost:9092'] } });
    expect(settings.producerConfig).toEqual({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5 },
    });
    expect(settings.batching).toEqual(DEFAULT_PRODUCER_BATCHING);
    expect(settings.sendTimeout).toBe(120_000);
  });

  it('lets every option be overridden without touching the user config', () => {
    const user = {
      kafkaConfig: { brokers: ['localhost:9092'], retry: { retries: 3 } },
      producerConfig: {
        idempotent: false,
        maxInFlightRequests: 5,
        retry: { initialRetryTime: 50 },
      },
      producerBatching: { lingerMs: 2, maxBatchMessages: 10 },
      sendTimeout: 5000,
    };
    const snapshot = JSON.parse(JSON.stringify(user));
    const settings = resolveProducerSettings(user);
    expect(settings.producerConfig).toEqual({
      idempotent: false,
      maxInFlightRequests: 5,
      retry: { retries: 3, initialRetryTime: 50 },
    });
    expect(settings.batching).toEqual({
      ...DEFAULT_PRODUCER_BATCHING,
      lingerMs: 2,
      maxBatchMessages: 10,
    });
    expect(settings.sendTimeout).toBe(5000);
    expect(user).toEqual(snapshot);
    expect(DEFAULT_PRODUCER_CONFIG.retry).toEqual({ retries: 5 });
  });

  it('switches batching off with producerBatching: false', () => {
    expect(resolveProducerSettings({ producerBatching: false }).batching.enabled).toBe(false);
  });

  it('stays idle without kafkaConfig or brokers', () => {
    expect(resolveProducerSettings(undefined).kafkaConfig).toBeUndefined();
    expect(resolveProducerSettings({ kafkaConfig: { brokers: [] } }).kafkaConfig).toBeUndefined();
  });

  it.each([
    [
      { producerBatching: { lingerMs: -1 } },
      'kafka.producerBatching.lingerMs: must be a number >= 0',
    ],
    [
      { producerBatching: { maxBatchMessages: 0 } },
      'kafka.producerBatching.maxBatchMessages: must be a whole number >= 1, got 0',
    ],
    [
      { producerBatching: { maxBatchBytes: 1.5 } },
      'kafka.producerBatching.maxBatchBytes: must be a whole number >= 1, got 1.5',
    ],
    [{ producerBatching: { enabled: 'yes' } }, 'kafka.producerBatching.enabled: must be a boolean'],
    [{ producerBatching: 'fast' }, 'kafka.producerBatching: expected an object or false'],
    [{ sendTimeout: 0 }, 'kafka.sendTimeout: must be a number >= 1'],
    [{ kafkaConfig: { brokers: 'localhost:9092' } }, 'kafka.kafkaConfig.brokers'],
    [
      { producerConfig: { retry: { retries: 0 } } },
      'kafka.producerConfig.retry.retries: an idempotent producer needs at least 1 retry',
    ],
    [
      { producerConfig: { transactionalId: 'tx', idempotent: false } },
      'kafka.producerConfig.idempotent',
    ],
  ])('rejects %j naming the path', (config, message) => {
    expect(() => resolveProducerSettings(config as never)).toThrow(message);
  });
});
