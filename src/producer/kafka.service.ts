import {
  Autoload,
  Config,
  Destroy,
  Init,
  Logger,
  Provide,
  Scope,
  ScopeEnum,
  type ILogger,
} from '@midwayjs/core';
import type { Producer, ProducerBatch, ProducerRecord, RecordMetadata, Transaction } from 'kafkajs';
import { createKafkaClient } from '../client/create-kafka';
import { KAFKA_LOGGER_NAME } from '../config/defaults';
import { KafkaComponentError, KafkaConfigError } from '../errors/kafka-component-error';
import type { MidwayKafkaConfig } from '../interface';
import { ProducerBatcher, type SendOptions } from './batcher';
import { resendDropped } from './dropped-partitions';
import { recordRejectionOf, toSendError } from './errors';
import {
  buildEmitMessage,
  prepareMessages,
  type EmitOptions,
  type PreparedMessages,
} from './messages';
import { DEFAULT_ACKS, resolveProducerSettings, type ProducerSettings } from './options';
import { PartitionTracker, type TrackedRequest } from './partition-tracker';
import { splitMetadata } from './metadata';
import { ProducerSession } from './producer-session';
import { refuseCall } from './record-checks';
import { AdminTopicDescriber, TopicLimitsCache } from './topic-limits';
import { RequestClient } from '../request-reply/caller';
import { resolveRequestReplySettings, type RequestOptions } from '../request-reply/options';
import type { RequestReplyStats } from '../request-reply/pending-requests';
import { NO_PRODUCER_OBSERVER, type ProducerObserver } from '../observability/observer';
import { createProducerObserver } from '../observability/producer-observer';
import { resolveMetricsSettings } from '../metrics/settings';
import { tracingEnabled } from '../tracing/settings';
import { EnvelopeWriter } from '../envelope/envelope-writer';

type ServiceState = 'unconfigured' | 'running' | 'stopping' | 'stopped';

/**
 * The application's Kafka producer: one per app, connected at start when `kafka.kafkaConfig`
 * is set, flushed and disconnected at stop.
 *
 * Concurrent `send`/`emit` calls to a topic are coalesced into batched produce requests (see
 * `ProducerBatcher`); each call still settles with its own offsets or its own error, and calls to
 * a partition are written in the order they were made.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
@Autoload()
export class KafkaService {
  @Config('kafka')
  private kafkaConfig: MidwayKafkaConfig | undefined;

  @Logger(KAFKA_LOGGER_NAME)
  private logger: ILogger | undefined;

  private state: ServiceState = 'unconfigured';
  private settings: ProducerSettings | undefined;
  private session: ProducerSession | undefined;
  private batcher: ProducerBatcher | undefined;
  /** Learns where kafkajs put each message, so batched responses can be split per call. */
  private readonly tracker = new PartitionTracker();
  private describer: AdminTopicDescriber | undefined;
  private limits: TopicLimitsCache | undefined;
  /** Request–reply's caller side, when `kafka.requestReply` is set. */
  private requests: RequestClient | undefined;
  /** Metrics and tracing of the calls; observes nothing when both are off. */
  private observer: ProducerObserver = NO_PRODUCER_OBSERVER;
  private envelopes: EnvelopeWriter | undefined;
  /** True while `kafka.requestReply`'s reply consumer starts, after sends already work. */
  private replyConsumerStarting = false;

  @Init()
  async init(): Promise<void> {
    const settings = resolveProducerSettings(this.kafkaConfig);
    this.settings = settings;
    if (!settings.kafkaConfig) return;
    const requestReply = resolveRequestReplySettings(this.kafkaConfig);
    const tracing = tracingEnabled(this.kafkaConfig?.tracing);
    this.envelopes = new EnvelopeWriter(this.kafkaConfig, tracing);
    const logger = this.logger ?? consoleFallback;
    const kafka = createKafkaClient(settings.kafkaConfig, logger);
    const tracker = this.tracker;
    const producerConfig = {
      ...settings.producerConfig,
      createPartitioner: tracker.wrap(settings.producerConfig.createPartitioner),
    };
    const session = new ProducerSession({
      create: () => kafka.producer(producerConfig),
      connectTimeoutMs: settings.startTimeout,
      sendTimeoutMs: settings.sendTimeout,
      idempotent: producerConfig.idempotent === true,
      transactional: producerConfig.transactionalId !== undefined,
    });
    try {
      await session.connect();
    } catch (error) {
      throw new KafkaComponentError(
        'BROKER_UNAVAILABLE',
        `KafkaService could not connect to the Kafka brokers ${describeBrokers(settings)} ` +
          `(kafka.kafkaConfig.brokers): ${(error as Error).message}. ` +
          'Check that the brokers are running and reachable from this host.',
        { cause: error },
      );
    }
    this.session = session;
    const observer = createProducerObserver(
      resolveMetricsSettings(this.kafkaConfig?.metrics),
      tracing,
    );
    this.observer = observer;
    const describer = new AdminTopicDescriber(kafka.admin());
    this.describer = describer;
    this.limits = new TopicLimitsCache(topic => describer.describe(topic));
    if (settings.batching.enabled) {
      this.batcher = new ProducerBatcher(
        session,
        tracker,
        this.limits,
        settings.batching,
        producerConfig.idempotent === true,
        observer,
      );
    }
    this.state = 'running';
    if (requestReply) {
      this.replyConsumerStarting = true;
      try {
        this.requests = await RequestClient.start({
          kafka,
          settings: requestReply,
          logger,
          startTimeout: settings.startTimeout,
          shutdownTimeout: settings.shutdownTimeout,
          send: record => this.send(record),
        });
      } catch (error) {
        await this.stop();
        throw error;
      } finally {
        this.replyConsumerStarting = false;
      }
    }
    logger.info(
      `[midway-kafka] KafkaService connected to ${describeBrokers(settings)} ` +
        `(batching ${settings.batching.enabled ? 'on' : 'off'})`,
    );
  }

  /** Sends one record, exactly like kafkajs's `producer.send`, and resolves with its offsets. */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    // Not an async function: a batched send returns the batcher's own promise, which saves
    // wrapping a promise in another for each of thousands of concurrent calls.
    try {
      const session = this.requireRunning();
      if (record === null || typeof record !== 'object') {
        throw new KafkaComponentError(
          'SERIALIZATION_FAILED',
          'KafkaService.send expects a record { topic, messages }.',
        );
      }
      const { topic } = record;
      const { observer } = this;
      const startedAt = observer.start();
      const traced = observer.trace(topic, record.messages);
      try {
        const prepared = prepareMessages(topic, traced ? traced.messages : record.messages);
        const options = this.sendOptions(topic, record);
        const sent = this.sendPrepared(session, topic, prepared, options, startedAt);
        traced?.end(sent);
        return sent;
      } catch (error) {
        observer.settled(topic, countOf(record.messages), startedAt, error);
        traced?.end(error);
        throw error;
      }
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends messages that were already checked: batched, or alone when batching is off. */
  private sendPrepared(
    session: ProducerSession,
    topic: string,
    prepared: PreparedMessages,
    options: SendOptions,
    startedAt: number,
  ): Promise<RecordMetadata[]> {
    if (prepared.messages.length === 0) return Promise.resolve([]);
    if (this.batcher) return this.batcher.enqueue(topic, prepared, options, startedAt);
    const sent = this.sendAlone(session, topic, prepared, options);
    const count = prepared.messages.length;
    sent.then(
      () => this.observer.settled(topic, count, startedAt),
      (error: unknown) => this.observer.settled(topic, count, startedAt, error),
    );
    return sent;
  }

  /** One call as one produce request (batching switched off). */
  private async sendAlone(
    session: ProducerSession,
    topic: string,
    prepared: PreparedMessages,
    options: SendOptions,
  ): Promise<RecordMetadata[]> {
    const { messages } = prepared;
    const limits = this.limits?.get(topic);
    const refusal = limits && refuseCall(topic, prepared, limits, options.compression);
    if (refusal) throw refusal;
    let sent: { result: RecordMetadata[]; request: TrackedRequest };
    let producer: Producer | undefined;
    try {
      sent = await this.tracker.during(messages, () =>
        session.run(used => {
          producer = used;
          return used.send({ ...options, topic, messages });
        }),
      );
    } catch (error) {
      if (recordRejectionOf(error) !== undefined) this.limits?.invalidate(topic);
      throw toSendError(topic, error);
    }
    this.limits?.refreshIfDue(topic);
    // kafkajs can report success without a partition whose leader moved during its retries (its
    // records were never sent there again): check every partition used, and send those once more.
    if (options.acks !== 0) {
      const { request } = sent;
      const partitionAt = (position: number) => request.partitionAt(position);
      let [checked] = splitMetadata(topic, [messages.length], sent.result, partitionAt);
      if (checked instanceof Error && producer !== undefined) {
        const deps = { session, tracker: this.tracker };
        sent.result = await resendDropped(deps, topic, request, sent.result, producer, (used, m) =>
          used.send({ ...options, topic, messages: m }),
        );
        [checked] = splitMetadata(topic, [messages.length], sent.result, partitionAt);
      }
      if (checked instanceof Error) throw toSendError(topic, checked);
    }
    return sent.result;
  }

  /**
   * Sends records for several topics, like kafkajs's `producer.sendBatch`. Each topic is batched
   * with the other sends to it; the result lists every topic's offsets in the order given.
   */
  async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    const session = this.requireRunning();
    const topicMessages = batch?.topicMessages ?? [];
    if (!Array.isArray(topicMessages)) {
      throw new KafkaComponentError(
        'SERIALIZATION_FAILED',
        'KafkaService.sendBatch expects { topicMessages: [{ topic, messages }] }.',
      );
    }
    const { observer } = this;
    const startedAt = observer.start();
    const traced = topicMessages.map(({ topic, messages }) => observer.trace(topic, messages));
    let parts;
    try {
      // Check everything first, so a bad message fails the whole call before any of it is sent.
      parts = topicMessages.map(({ topic, messages }, i) => ({
        topic,
        prepared: prepareMessages(topic, traced[i] ? traced[i].messages : messages),
        options: this.sendOptions(topic, batch),
      }));
    } catch (error) {
      topicMessages.forEach(({ topic, messages }, i) => {
        observer.settled(topic, countOf(messages), startedAt, error);
        traced[i]?.end(error);
      });
      throw error;
    }
    const results = await Promise.all(
      parts.map((part, i) => {
        const sent = this.sendPrepared(session, part.topic, part.prepared, part.options, startedAt);
        traced[i]?.end(sent);
        return sent;
      }),
    );
    return results.flat();
  }

  /**
   * Sends one message built from `value`: objects, arrays, numbers and booleans become JSON,
   * strings and Buffers go as they are, and `null` is a tombstone.
   */
  async emit(topic: string, value: unknown, options?: EmitOptions): Promise<RecordMetadata[]> {
    this.requireRunning();
    // With a type, the value travels in an envelope {type, data, timestamp, source, traceId}.
    const sent =
      options?.type === undefined
        ? value
        : (this.envelopes as EnvelopeWriter).write(topic, value, options);
    return this.send({ topic, messages: [buildEmitMessage(topic, sent, options)] });
  }

  /**
   * Sends `value` (as `emit` does) to `topic` as a request and resolves with the reply, decoded
   * as the `deserializer` option says; rejects with `KafkaRequestTimeoutError` after `timeout`
   * ms, with `KafkaReplyError` when the replier answered with an error. Needs `kafka.requestReply`.
   */
  request<T = unknown>(topic: string, value: unknown, options?: RequestOptions): Promise<T> {
    if (this.requests && this.state === 'running')
      return this.requests.request<T>(topic, value, options);
    try {
      this.requireRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.replyConsumerStarting) {
      return Promise.reject(
        new KafkaComponentError(
          'NOT_CONNECTED',
          `KafkaService.request("${topic}"): the reply consumer is still starting (the app has not ` +
            'finished starting). Call request() once the app has started: from a request handler, ' +
            "a listener, or your configuration's onReady.",
        ),
      );
    }
    return Promise.reject(
      new KafkaConfigError(
        'kafka.requestReply',
        'it is not set, so no reply consumer runs and KafkaService.request() cannot get replies',
        'Set kafka.requestReply to {} (or e.g. { replyTopic: "shop.reply", timeout: 10000 }).',
      ),
    );
  }

  /** Counters of this instance's requests (undefined unless `kafka.requestReply` is set). */
  requestStats(): RequestReplyStats | undefined {
    return this.requests?.stats();
  }

  /** Starts a kafkajs transaction; needs `kafka.producerConfig.transactionalId`. */
  async transaction(): Promise<Transaction> {
    const session = this.requireRunning();
    if (this.settings?.producerConfig.transactionalId === undefined) {
      throw new KafkaConfigError(
        'kafka.producerConfig.transactionalId',
        'KafkaService.transaction() needs a transactional producer',
        'Set a transactionalId that is unique to this application instance.',
      );
    }
    return (session.producer as Producer).transaction();
  }

  /** The raw kafkajs producer (undefined before start and after stop). Sends through it are not batched. */
  get producer(): Producer | undefined {
    return this.session?.producer;
  }

  /** Sends queued calls, waits for those in flight (up to `kafka.shutdownTimeout`), disconnects. */
  @Destroy()
  async stop(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    // One shutdownTimeout for the whole stop: waiting requests and queued sends share it.
    const timeoutMs = this.settings?.shutdownTimeout ?? 0;
    const deadline = Date.now() + timeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    // Pending requests settle (or are rejected) before anything they may still need stops.
    await this.requests?.stop(left());
    const batcher = this.batcher;
    if (batcher) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>(resolve => {
        timer = setTimeout(() => resolve(true), left());
      });
      const late = await Promise.race([batcher.drain().then(() => false), timedOut]);
      clearTimeout(timer);
      if (late) {
        this.logger?.warn(
          `[midway-kafka] KafkaService stopped with sends still pending after kafka.shutdownTimeout (${timeoutMs} ms)`,
        );
        batcher.rejectQueued(topic => stoppedError(topic));
      }
    }
    this.limits?.close();
    this.observer.close();
    await Promise.all([this.session?.disconnect(), this.describer?.close()]);
    this.state = 'stopped';
  }

  private requireRunning(): ProducerSession {
    if (this.state === 'running' && this.session) return this.session;
    if (this.state === 'stopping' || this.state === 'stopped') throw stoppedError();
    if (this.settings && !this.settings.kafkaConfig) {
      throw new KafkaComponentError(
        'NOT_CONNECTED',
        'KafkaService is not connected: kafka.kafkaConfig (with brokers) is not set. ' +
          'Set kafka.kafkaConfig, e.g. { clientId: "my-app", brokers: ["localhost:9092"] }.',
      );
    }
    // Configured, but its own @Init has not finished connecting (or has not run yet).
    throw new KafkaComponentError(
      'NOT_CONNECTED',
      'KafkaService is not connected yet: it connects to the brokers while the app starts. Use it ' +
        "once the app has started (a request handler, a listener, your configuration's onReady), " +
        "not from code that runs before KafkaService's own initialisation finished.",
    );
  }

  private sendOptions(
    topic: string,
    from: { acks?: number; timeout?: number; compression?: SendOptions['compression'] },
  ): SendOptions {
    // Most calls set none of these: share one options object (the batcher groups by identity first).
    if (from.acks === undefined && from.timeout === undefined && from.compression === undefined)
      return DEFAULT_SEND_OPTIONS;
    const acks = from.acks ?? DEFAULT_ACKS;
    if (acks !== -1 && this.settings?.producerConfig.idempotent) {
      throw new KafkaComponentError(
        'CONFIG_INVALID',
        `Cannot send to Kafka topic "${topic}" with acks ${acks}: the producer is idempotent, ` +
          'which needs acks -1. Set kafka.producerConfig.idempotent to false to use other acks.',
      );
    }
    const options: SendOptions = { acks };
    if (from.timeout !== undefined) options.timeout = from.timeout;
    if (from.compression !== undefined) options.compression = from.compression;
    return options;
  }
}

const DEFAULT_SEND_OPTIONS: SendOptions = Object.freeze({ acks: DEFAULT_ACKS });

/** How many messages a call has, before they are checked. */
function countOf(messages: unknown): number {
  return Array.isArray(messages) ? messages.length : 0;
}

function stoppedError(topic?: string): KafkaComponentError {
  const what = topic ? `send to Kafka topic "${topic}"` : 'send';
  return new KafkaComponentError(
    'STOPPED',
    `KafkaService has stopped (the application is shutting down): cannot ${what}.`,
  );
}

function describeBrokers(settings: ProducerSettings): string {
  const brokers = settings.kafkaConfig?.brokers;
  return Array.isArray(brokers) ? brokers.join(', ') : '(from a brokers function)';
}

/** Used only if the component's logger is missing (it is registered by the component's config). */
const consoleFallback = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
} as unknown as ILogger;
