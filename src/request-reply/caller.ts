import type { ILogger } from '@midwayjs/core';
import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs';
import { resolveDeserializer, type Deserializer } from '../consumer/deserialize';
import { KafkaComponentError } from '../errors/kafka-component-error';
import { buildEmitMessage } from '../producer/messages';
import { settlesWithin } from '../client/settles-within';
import { KafkaRequestAbortedError } from './errors';
import { checkTimeout, type RequestOptions, type RequestReplySettings } from './options';
import { PendingRequests, type RequestReplyStats } from './pending-requests';
import { ReplyConsumer } from './reply-consumer';
import { prepareReplyTopic } from './reply-topic';
import { decodeAuto, REPLY_HEADERS } from './wire';

export interface RequestClientDeps {
  readonly kafka: Kafka;
  readonly settings: RequestReplySettings;
  readonly logger: ILogger;
  readonly startTimeout: number;
  /** How long a stop waits for pending requests before rejecting them. */
  readonly shutdownTimeout: number;
  /** The application's producer (`KafkaService.send`). */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
}

type ClientState = 'running' | 'stopping' | 'stopped';

/** Leaving the reply group and deleting it are housekeeping at stop: never wait long for them. */
const STOP_STEP_TIMEOUT_MS = 5000;

/**
 * The caller side of request–reply for one application instance: sends requests with a
 * correlation id and the reply topic, and settles each call with the reply that carries its id,
 * its timeout or its abort signal, whichever comes first.
 */
export class RequestClient {
  private readonly pending = new PendingRequests();
  private state: ClientState = 'running';
  private readonly replies: ReplyConsumer;

  /** Checks (or creates) the reply topic and starts reading it; resolves once ready for requests. */
  static async start(deps: RequestClientDeps): Promise<RequestClient> {
    const admin = deps.kafka.admin();
    let positions;
    try {
      await admin.connect();
      positions = await prepareReplyTopic(admin, deps.settings);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const client = new RequestClient(deps, positions);
    await client.replies.start();
    deps.logger.info(
      `[midway-kafka] request–reply ready: replies on "${deps.settings.replyTopic}" ` +
        `(group ${client.groupId}, this instance's own)`,
    );
    return client;
  }

  private constructor(
    private readonly deps: RequestClientDeps,
    positions: Map<number, string>,
  ) {
    this.replies = new ReplyConsumer(
      {
        kafka: deps.kafka,
        topic: deps.settings.replyTopic,
        groupId: this.groupId,
        logger: deps.logger,
        startTimeout: deps.startTimeout,
        onReply: (message, topic, partition) => this.pending.deliver(message, topic, partition),
      },
      positions,
    );
  }

  /** The consumer group that reads this instance's replies (its id ends with the instance id). */
  get groupId(): string {
    return `${this.deps.settings.replyTopic}-${this.pending.instanceId}`;
  }

  stats(): RequestReplyStats {
    return this.pending.stats();
  }

  request<T>(topic: string, value: unknown, options: RequestOptions = {}): Promise<T> {
    try {
      if (this.state !== 'running') throw stoppedError(topic);
      const { signal } = options;
      if (signal?.aborted) throw new KafkaRequestAbortedError(topic, undefined, signal.reason);
      const timeoutMs = options.timeout ?? this.deps.settings.timeout;
      checkTimeout(timeoutMs, 'the timeout option of KafkaService.request()');
      const deserializer = replyDeserializer(options.deserializer);
      const message = buildEmitMessage(topic, value, {
        key: options.key,
        partition: options.partition,
      });
      const correlationId = this.pending.nextCorrelationId();
      // A copy: the caller's headers object is neither changed nor shared with the producer.
      message.headers = {
        ...options.headers,
        [REPLY_HEADERS.correlationId]: correlationId,
        [REPLY_HEADERS.replyTopic]: this.deps.settings.replyTopic,
      };
      return new Promise<T>((resolve, reject) => {
        this.pending.open(correlationId, {
          topic,
          timeoutMs,
          deserializer,
          signal,
          resolve: resolve as (value: unknown) => void,
          reject,
        });
        this.deps
          .send({ topic, messages: [message] })
          .catch(error => this.pending.fail(correlationId, error));
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Takes no new requests, waits for pending ones to settle (up to `waitMs`, by default
   * `shutdownTimeout`), rejects those still waiting with a `STOPPED` error, then stops reading
   * replies.
   */
  async stop(waitMs = this.deps.shutdownTimeout): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'stopping';
    const { logger, shutdownTimeout } = this.deps;
    const waiting = this.pending.size;
    if (waiting > 0 && !(await settlesWithin(this.pending.drained(), waitMs))) {
      logger.warn(
        `[midway-kafka] ${this.pending.size} of ${waiting} requests had no reply within ` +
          `kafka.shutdownTimeout (${shutdownTimeout} ms); rejecting them`,
      );
      this.pending.rejectAll(
        (topic, correlationId) =>
          new KafkaComponentError(
            'STOPPED',
            `KafkaService is stopping (the application is shutting down): the request to Kafka topic ` +
              `"${topic}" (correlation id ${correlationId}) got no reply before the stop.`,
          ),
      );
    }
    const stopped = this.replies
      .stop()
      .catch(error =>
        logger.warn(`[midway-kafka] stopping the reply consumer failed: ${String(error)}`),
      );
    // kafkajs can wait long on a broker that is gone: leaving the group must not hold the stop.
    if (await settlesWithin(stopped, STOP_STEP_TIMEOUT_MS)) {
      await settlesWithin(this.deleteGroup(), STOP_STEP_TIMEOUT_MS);
    } else {
      logger.warn(
        `[midway-kafka] the reply consumer did not stop within ${STOP_STEP_TIMEOUT_MS} ms; not waiting for it`,
      );
    }
    this.state = 'stopped';
  }

  /** The group never commits, so Kafka forgets it once empty; deleting it just tidies up now. */
  private async deleteGroup(): Promise<void> {
    const admin = this.deps.kafka.admin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch (error) {
      this.deps.logger.debug?.(
        `[midway-kafka] could not delete the reply group ${this.groupId}: ${String(error)}`,
      );
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}

function replyDeserializer(option: RequestOptions['deserializer']): Deserializer {
  if (option === undefined || option === 'auto') return decodeAuto;
  return resolveDeserializer(option, 'The deserializer option of KafkaService.request()');
}

function stoppedError(topic: string): KafkaComponentError {
  return new KafkaComponentError(
    'STOPPED',
    `KafkaService has stopped (the application is shutting down): cannot send a request to Kafka topic "${topic}".`,
  );
}
