import type { ConsumerConfig } from 'kafkajs';
import { KafkaConfigError, KafkaComponentError } from '../errors';
import type { FailurePolicy, KafkaListenerOptions, MidwayKafkaConfig } from '../interface';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../consumer/retry/retry-policy';
import type { DeclaredListener } from './discover-listeners';
import { consumerFetchSizes } from '../config/fetch-sizes';
import { checkNumbers } from '../config/check-number';
import { DELIVERY_RULES, RETRY_POLICY_RULES, RUN_CONFIG_RULES } from '../config/number-rules';
import { resolveEnvelopePlan } from '../envelope/plan';
import type { EnvelopePlan } from '../envelope/settings';

/**
 * How a topic's messages reach its listener:
 * - `one-by-one`: a partition's messages one at a time, in offset order (the default);
 * - `concurrent`: up to `limit` of a partition at once, in order per key;
 * - `batch`: arrays of up to `maxSize` messages of one partition.
 */
export type DeliveryMode =
  | { readonly kind: 'one-by-one' }
  | {
      readonly kind: 'concurrent';
      readonly limit: number;
      readonly unkeyed: 'concurrent' | 'ordered';
    }
  | { readonly kind: 'batch'; readonly maxSize: number; readonly maxWaitMs: number };

export const ONE_BY_ONE: DeliveryMode = { kind: 'one-by-one' };
export const DEFAULT_MAX_BATCH_SIZE = 500;

/** A listener with every option resolved against the global configuration. */
export interface PlannedListener extends DeclaredListener {
  readonly groupId: string;
  readonly retry: RetryPolicy;
  /** Retries of a request (a message with reply headers): one attempt unless the listener asks. */
  readonly requestRetry: RetryPolicy;
  readonly onFailure: FailurePolicy;
  readonly deadLetterTopic: string;
  readonly delivery: DeliveryMode;
  /** How it reads envelopes; undefined when it does not. */
  readonly envelope: EnvelopePlan | undefined;
}

/** Every listener of one topic within one group: each of them gets every message. */
export interface TopicPlan {
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** false: only `ctx.commitOffsets` commits (runConfig.autoCommit: false). */
  readonly autoCommit: boolean;
  /** The listeners' delivery mode; a topic with a batch or concurrent listener has only that one. */
  readonly delivery: DeliveryMode;
  readonly listeners: PlannedListener[];
}

/** One kafkajs consumer: a group id and the topics this process consumes in it. */
export interface GroupPlan {
  readonly groupId: string;
  readonly topics: Map<string, TopicPlan>;
  readonly partitionsConsumedConcurrently: number;
  /** Commit finished work at least this often, in ms; null commits at the end of every batch. */
  readonly autoCommitInterval: number | null;
  /** Commit once this many messages are finished; null: no threshold. */
  readonly autoCommitThreshold: number | null;
  readonly consumerConfig: ConsumerConfig;
}

const LISTENER_PATH = '@KafkaListener';

/**
 * Groups listeners by consumer group. kafkajs's assigners expect every member of a group to
 * subscribe to the same topics, so each group id gets exactly one kafkajs consumer subscribed to
 * the union of its listeners' topics; commit policy is then handled per topic by the framework.
 */
export function planGroups(listeners: DeclaredListener[], config: MidwayKafkaConfig): GroupPlan[] {
  checkNumbers('kafka.retry', config.retry, RETRY_POLICY_RULES);
  const groups = new Map<string, { listeners: PlannedListener[] }>();
  for (const declared of listeners) {
    const planned = resolveListener(declared, config);
    const group = groups.get(planned.groupId) ?? { listeners: [] };
    group.listeners.push(planned);
    groups.set(planned.groupId, group);
  }
  return [...groups].map(([groupId, group]) => buildGroup(groupId, group.listeners, config));
}

function resolveListener(declared: DeclaredListener, config: MidwayKafkaConfig): PlannedListener {
  const where = `${LISTENER_PATH}('${declared.topic}') on ${declared.id}`;
  if (typeof declared.topic !== 'string' || declared.topic.trim() === '') {
    throw new KafkaComponentError(
      'LISTENER_INVALID',
      `${LISTENER_PATH} on ${declared.id} has no topic. Pass the topic name as the first argument: @KafkaListener('orders').`,
    );
  }
  const options: KafkaListenerOptions = declared.options;
  const groupId = options.groupId ?? config.consumerConfig?.groupId;
  if (typeof groupId !== 'string' || groupId === '') {
    throw new KafkaConfigError(
      'kafka.consumerConfig.groupId',
      `it is required because ${where} exists`,
      "Set kafka.consumerConfig.groupId in your config (e.g. src/config/config.default.ts), or give the listener its own { groupId: '…' } option.",
    );
  }
  // Checked apart from kafka.retry, so the error points where the value was written.
  checkNumbers(`${where}: retry`, options.retry, RETRY_POLICY_RULES);
  checkNumbers(`${where}: runConfig`, options.runConfig, RUN_CONFIG_RULES);
  const retry = { ...DEFAULT_RETRY_POLICY, ...config.retry, ...options.retry };
  // Backoffs as for events; attempts only as the listener asks, so a reply never waits on retries.
  checkNumbers(`${where}: requestRetry`, options.requestRetry, RETRY_POLICY_RULES);
  const requestRetry = {
    ...DEFAULT_RETRY_POLICY,
    ...config.retry,
    attempts: 1,
    ...options.requestRetry,
  };
  const onFailure = options.onFailure ?? config.onFailure ?? 'dead-letter';
  if (onFailure !== 'dead-letter' && onFailure !== 'stop' && typeof onFailure !== 'function') {
    throw new KafkaConfigError(
      options.onFailure ? `${where}: onFailure` : 'kafka.onFailure',
      `${JSON.stringify(onFailure)} is not a failure policy`,
      "Use 'dead-letter', 'stop' or an async function (failure) => { … }.",
    );
  }
  const deadLetterTopic =
    options.deadLetterTopic ?? config.deadLetterTopic?.(declared.topic) ?? `${declared.topic}.DLT`;
  if (typeof deadLetterTopic !== 'string' || deadLetterTopic.trim() === '') {
    throw new KafkaConfigError(
      options.deadLetterTopic !== undefined ? `${where}: deadLetterTopic` : 'kafka.deadLetterTopic',
      `${JSON.stringify(deadLetterTopic) ?? 'undefined'} is not a topic name`,
      'Name a topic, or leave it out for <topic>.DLT.',
    );
  }
  const delivery = resolveDelivery(options, where);
  const envelope = resolveEnvelopePlan(options, config, where);
  return {
    ...declared,
    groupId,
    retry,
    requestRetry,
    onFailure,
    deadLetterTopic,
    delivery,
    envelope,
  };
}

function resolveDelivery(options: KafkaListenerOptions, where: string): DeliveryMode {
  checkNumbers(where, options, DELIVERY_RULES);
  const { concurrency, unkeyed, batch, maxBatchSize, maxBatchWait } = options;
  if (unkeyed !== undefined && unkeyed !== 'concurrent' && unkeyed !== 'ordered') {
    throw new KafkaConfigError(
      `${where}: unkeyed`,
      `must be 'concurrent' or 'ordered', got ${JSON.stringify(unkeyed)}`,
      "Use 'concurrent' (each message without a key is its own key) or 'ordered'.",
    );
  }
  if (batch !== undefined && typeof batch !== 'boolean') {
    throw new KafkaConfigError(
      `${where}: batch`,
      `must be true or false, got ${JSON.stringify(batch)}`,
      'Use batch: true to receive arrays of messages.',
    );
  }
  if (batch) {
    if (concurrency !== undefined && concurrency > 1) {
      throw new KafkaConfigError(
        `${where}: concurrency`,
        'cannot be combined with batch: true',
        'A batch listener handles its batch as it likes (e.g. with Promise.all); drop concurrency.',
      );
    }
    return {
      kind: 'batch',
      maxSize: maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      maxWaitMs: maxBatchWait ?? 0,
    };
  }
  for (const name of ['maxBatchSize', 'maxBatchWait'] as const) {
    if (options[name] !== undefined) {
      throw new KafkaConfigError(
        `${where}: ${name}`,
        'only applies to batch listeners',
        'Add batch: true, or leave it out.',
      );
    }
  }
  if (concurrency !== undefined && concurrency > 1) {
    return { kind: 'concurrent', limit: concurrency, unkeyed: unkeyed ?? 'concurrent' };
  }
  return ONE_BY_ONE;
}

function buildGroup(
  groupId: string,
  listeners: PlannedListener[],
  config: MidwayKafkaConfig,
): GroupPlan {
  const topics = new Map<string, TopicPlan>();
  for (const listener of listeners) {
    const fromBeginning = listener.options.subscription?.fromBeginning ?? false;
    const autoCommit = listener.options.runConfig?.autoCommit ?? true;
    const existing = topics.get(listener.topic);
    if (!existing) {
      topics.set(listener.topic, {
        topic: listener.topic,
        fromBeginning,
        autoCommit,
        delivery: listener.delivery,
        listeners: [listener],
      });
      continue;
    }
    const other = existing.listeners[0];
    if (existing.delivery.kind !== 'one-by-one' || listener.delivery.kind !== 'one-by-one') {
      const special = existing.delivery.kind !== 'one-by-one' ? other : listener;
      throw new KafkaComponentError(
        'LISTENER_INVALID',
        `${listener.id} and ${other.id} both consume '${listener.topic}' in group '${listener.groupId}', ` +
          `but ${special.id} is a ${special.delivery.kind === 'batch' ? 'batch' : 'concurrent'} listener, ` +
          "which must be the only listener of its topic in its group. Give one of them its own { groupId: '…' }.",
      );
    }
    if (existing.autoCommit !== autoCommit) {
      throw conflict(listener, other, 'runConfig.autoCommit', existing.autoCommit, autoCommit);
    }
    if (existing.fromBeginning !== fromBeginning) {
      throw conflict(
        listener,
        other,
        'subscription.fromBeginning',
        existing.fromBeginning,
        fromBeginning,
      );
    }
    existing.listeners.push(listener);
  }

  const runConfigs = listeners.map(l => l.options.runConfig ?? {});
  const smallest = (values: (number | null | undefined)[]) => {
    const set = values.filter((v): v is number => typeof v === 'number' && v >= 0);
    return set.length > 0 ? Math.min(...set) : null;
  };
  const concurrency = Math.max(1, ...runConfigs.map(r => r.partitionsConsumedConcurrently ?? 1));
  return {
    groupId,
    topics,
    partitionsConsumedConcurrently: concurrency,
    autoCommitInterval: smallest(runConfigs.map(r => r.autoCommitInterval)),
    autoCommitThreshold: smallest(runConfigs.map(r => r.autoCommitThreshold)),
    consumerConfig: consumerFetchSizes({ ...config.consumerConfig, groupId }, concurrency),
  };
}

function conflict(
  listener: PlannedListener,
  other: PlannedListener,
  option: string,
  was: boolean,
  now: boolean,
): KafkaComponentError {
  return new KafkaComponentError(
    'LISTENER_INVALID',
    `${listener.id} and ${other.id} both consume '${listener.topic}' in group '${listener.groupId}' ` +
      `but disagree on ${option} (${String(now)} vs ${String(was)}). Listeners of one topic in one group ` +
      `share its offsets, so give them the same ${option}, or give one of them its own { groupId: '…' }.`,
  );
}
