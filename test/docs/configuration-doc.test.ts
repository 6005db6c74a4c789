import { join } from 'node:path';
import {
  DEFAULT_KAFKA_CONFIG,
  DEFAULT_PRODUCER_BATCHING,
  DEFAULT_RETRY_POLICY,
} from 'midway-kafka';
import { DEFAULT_REQUEST_TIMEOUT } from '../../src/request-reply/options';
import { configPageProblems, readConfigTypes, type ConfigTypes } from './config-options';
import { ROOT, read } from './markdown';

/** The defaults the code applies, as the page's Default column must state them. */
const DEFAULTS: Record<string, object> = {
  MidwayKafkaConfig: DEFAULT_KAFKA_CONFIG,
  RetryPolicy: DEFAULT_RETRY_POLICY,
  ProducerBatchingOptions: DEFAULT_PRODUCER_BATCHING,
  RequestReplyConfig: { timeout: DEFAULT_REQUEST_TIMEOUT },
};

/** docs/configuration.md (and its twin) are checked against the types, so they cannot drift. */
describe('the configuration page and the configuration types', () => {
  let types: ConfigTypes;
  beforeAll(() => {
    types = readConfigTypes();
  }, 60_000);

  it('reads the options of every configuration type, each with its doc comment', () => {
    const names = types.options.KafkaListenerOptions.map(o => o.name);
    expect(names).toEqual(expect.arrayContaining(['runConfig.autoCommit', 'concurrency', 'batch']));
    expect(types.options.MidwayKafkaConfig.map(o => o.name)).toContain('requestReply');
    const undocumented = Object.entries(types.options).flatMap(([type, options]) =>
      options.filter(o => o.doc === '').map(o => `${type}.${o.name}`),
    );
    expect(undocumented).toEqual([]);
  });

  it('has a table for every settings type the configuration refers to', () => {
    expect(types.undocumentedTypes).toEqual([]);
  });

  it.each(['docs/configuration.md', 'docs/zh-CN/configuration.md'])(
    '%s lists every option of the types, no other, with the defaults of the code',
    page => {
      expect(configPageProblems(page, read(join(ROOT, page)), types.options, DEFAULTS)).toEqual([]);
    },
  );

  it('reports an option missing from a table, an unknown option and a wrong default', () => {
    const page = [
      '<!-- options: RetryPolicy -->',
      '',
      '| Option | Default | Meaning |',
      '| ------ | ------- | ------- |',
      '| `attempts` | `3` | Deliveries. |',
      '| `initialDelayMs`, `maxDelayMs` | `200`, `30,000` | Waits. |',
      '| `multiplier` | `20` | Growth. |',
      '| `backoff` | — | Not an option. |',
    ].join('\n');
    const problems = configPageProblems(
      'page.md',
      page,
      { RetryPolicy: types.options.RetryPolicy },
      { RetryPolicy: DEFAULT_RETRY_POLICY },
    );
    // `30,000` is 30000; `20` is not 2.
    expect(problems).toEqual([
      'page.md: RetryPolicy.jitter is not in its table (line 1)',
      'page.md:8: RetryPolicy has no option backoff',
      'page.md:7: the default of RetryPolicy.multiplier is 2',
    ]);
  });
});
