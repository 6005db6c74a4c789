import type { IHeaders, KafkaMessage } from 'kafkajs';
import { KafkaConfigError } from '../errors/kafka-component-error';
import type { DeserializerOption } from '../consumer/deserialize';
import type { MidwayKafkaConfig } from '../interface';

/** `kafka.requestReply`: set it (`{}` is enough) to use `KafkaService.request()`. */
export interface RequestReplyConfig {
  /**
   * The topic replies to this application's requests come back on (default
   * `<kafka.consumerConfig.groupId>.reply`, or `<kafka.kafkaConfig.clientId>.reply` without a
   * group). Every instance of the application reads all of it and keeps its own replies.
   */
  replyTopic?: string;
  /** Create the reply topic at start when it is missing (default true); false fails start instead. */
  createReplyTopic?: boolean;
  /** Partitions of a reply topic created at start (default: the broker's `num.partitions`). */
  replyTopicPartitions?: number;
  /** Replication factor of a reply topic created at start (default: the broker's). */
  replyTopicReplicationFactor?: number;
  /** How long a request waits for its reply, in ms, unless the call says otherwise (default 30000). */
  timeout?: number;
}

/** How a reply's value becomes what `request()` resolves with. */
export type ReplyDeserializer = 'auto' | DeserializerOption;

/** Options of `KafkaService.request(topic, value, options)`. */
export interface RequestOptions {
  /** Partitioning key of the request. */
  key?: string | Buffer | null;
  /** Headers of the request (the reply headers are added to a copy). */
  headers?: IHeaders;
  /** Send the request to this partition. */
  partition?: number;
  /** ms to wait for the reply (default `kafka.requestReply.timeout`, 30000). */
  timeout?: number;
  /** Aborting it rejects the call with `KafkaRequestAbortedError`. */
  signal?: AbortSignal;
  /**
   * How the reply value is decoded (default `'auto'`, as NestJS's client does: JSON objects and
   * arrays are parsed, other text stays a string). `'json'`, `'string'`, `'raw'` or
   * `(message) => value` as for listeners.
   */
  deserializer?: ReplyDeserializer;
}

/** `kafka.requestReply` with its defaults applied. */
export interface RequestReplySettings {
  readonly replyTopic: string;
  readonly createReplyTopic: boolean;
  readonly replyTopicPartitions: number;
  readonly replyTopicReplicationFactor: number;
  readonly timeout: number;
}

export const DEFAULT_REQUEST_TIMEOUT = 30_000;

const PATH = 'kafka.requestReply';

/** undefined when `kafka.requestReply` is not set (request–reply is off). */
export function resolveRequestReplySettings(
  config: MidwayKafkaConfig | undefined,
): RequestReplySettings | undefined {
  const user = config?.requestReply;
  if (user === undefined || user === null) return undefined;
  if (typeof user !== 'object') {
    throw new KafkaConfigError(
      PATH,
      `expected an object, got ${typeof user}`,
      'Set it to {} for the defaults, or e.g. { replyTopic: "shop.reply", timeout: 10000 }.',
    );
  }
  const base = config?.consumerConfig?.groupId ?? config?.kafkaConfig?.clientId;
  const replyTopic = user.replyTopic ?? (base ? `${base}.reply` : undefined);
  if (typeof replyTopic !== 'string' || replyTopic.trim() === '') {
    throw new KafkaConfigError(
      `${PATH}.replyTopic`,
      user.replyTopic === undefined
        ? 'it has no default: neither kafka.consumerConfig.groupId nor kafka.kafkaConfig.clientId is set'
        : `${JSON.stringify(user.replyTopic)} is not a topic name`,
      'Set it to the topic this application reads replies from, e.g. "shop.reply".',
    );
  }
  const createReplyTopic = user.createReplyTopic ?? true;
  if (typeof createReplyTopic !== 'boolean') {
    throw new KafkaConfigError(
      `${PATH}.createReplyTopic`,
      `expected true or false, got ${JSON.stringify(createReplyTopic)}`,
      'Use true (create a missing reply topic at start) or false (fail start instead).',
    );
  }
  const timeout = user.timeout ?? DEFAULT_REQUEST_TIMEOUT;
  checkTimeout(timeout, `${PATH}.timeout`);
  return {
    replyTopic,
    createReplyTopic,
    replyTopicPartitions: positiveIntegerOrBrokerDefault(
      user.replyTopicPartitions,
      `${PATH}.replyTopicPartitions`,
    ),
    replyTopicReplicationFactor: positiveIntegerOrBrokerDefault(
      user.replyTopicReplicationFactor,
      `${PATH}.replyTopicReplicationFactor`,
    ),
    timeout,
  };
}

/** A request timeout must be a finite number of ms above 0. */
export function checkTimeout(value: unknown, path: string): asserts value is number {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new KafkaConfigError(
      path,
      `${JSON.stringify(value) ?? String(value)} is not a number of milliseconds above 0`,
      `Set ${path} to e.g. ${DEFAULT_REQUEST_TIMEOUT}.`,
    );
  }
}

/** -1 asks the broker for its default (kafkajs's convention for createTopics). */
function positiveIntegerOrBrokerDefault(value: unknown, path: string): number {
  if (value === undefined) return -1;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1) return value;
  throw new KafkaConfigError(
    path,
    `${JSON.stringify(value)} is not an integer >= 1`,
    `Set ${path} to a whole number >= 1, or leave it out for the broker's default.`,
  );
}

/** A reply value decoder; `'auto'` decodes as NestJS's client does. */
export type ReplyDecoder = (message: KafkaMessage) => unknown;
