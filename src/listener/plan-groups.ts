import type { ConsumerConfig } from 'kafkajs';
import { KafkaConfigError, KafkaComponentError } from '../errors';
import type { FailurePolicy, KafkaListenerOptions, MidwayKafkaConfig } from '../interface';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../consumer/retry/retry-policy';
import type { DeclaredListener } from './discover-listeners';
import { DEFAULT_CONSUMER_CONFIG } from '../config/defaults';

/** A listener with every option resolved against the global configuration. */
export interface PlannedListener extends DeclaredListener {
  readonly groupId: string;
  readonly retry: RetryPolicy;
  /** Retries of a request (a message with reply headers): one attempt unless the listener asks. */
  readonly requestRetry: RetryPolicy;
  readonly onFailure: FailurePolicy;
  readonly deadLetterTopic: string;
}

/** Every listener of one topic within one group: each of them gets every message. */
export interface TopicPlan {
  readonly topic: string;
  readonly fromBeginning: boolean;
  /** false: only `ctx.commitOffsets` commits (runConfig.autoCommit: false). */
  readonly autoCommit: boolean;
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
  const retry = { ...DEFAULT_RETRY_POLICY, ...config.retry, ...options.retry };
  validateRetry(retry, options.retry ? `the retry option of ${where}` : 'kafka.retry');
  // Backoffs as for events; attempts only as the listener asks, so a reply never waits on retries.
  const requestRetry = {
    ...DEFAULT_RETRY_POLICY,
    ...config.retry,
    attempts: 1,
    ...options.requestRetry,
  };
  validateRetry(requestRetry, `the requestRetry option of ${where}`);
  const onFailure = options.onFailure ?? config.onFailure ?? 'dead-letter';
  if (onFailure !== 'dead-letter' && onFailure !== 'stop' && typeof onFailure !== 'function') {
    throw new KafkaConfigError(
      options.onFailure ? `the onFailure option of ${where}` : 'kafka.onFailure',
      `${JSON.stringify(onFailure)} is not a failure policy`,
      "Use 'dead-letter', 'stop' or an async function (failure) => { … }.",
    );
  }
  const deadLetterTopic =
    options.deadLetterTopic ?? config.deadLetterTopic?.(declared.topic) ?? `${declared.topic}.DLT`;
  return { ...declared, groupId, retry, requestRetry, onFailure, deadLetterTopic };
}

function validateRetry(retry: RetryPolicy, path: string): void {
  const check = (name: keyof RetryPolicy, ok: boolean, rule: string) => {
    if (!ok) {
      throw new KafkaConfigError(
        `${path}.${name}`,
        `${String(retry[name])} is not ${rule}`,
        `Set ${name} to ${rule}.`,
      );
    }
  };
  check(
    'attempts',
    retry.attempts >= 1 && (Number.isInteger(retry.attempts) || retry.attempts === Infinity),
    'a whole number >= 1 (or Infinity)',
  );
  check(
    'initialDelayMs',
    Number.isFinite(retry.initialDelayMs) && retry.initialDelayMs >= 0,
    'a number >= 0',
  );
  check('maxDelayMs', Number.isFinite(retry.maxDelayMs) && retry.maxDelayMs >= 0, 'a number >= 0');
  check('multiplier', Number.isFinite(retry.multiplier) && retry.multiplier >= 1, 'a number >= 1');
  check(
    'jitter',
    Number.isFinite(retry.jitter) && retry.jitter >= 0 && retry.jitter <= 1,
    'a number from 0 to 1',
  );
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
        listeners: [listener],
      });
      continue;
    }
    const other = existing.listeners[0];
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
    consumerConfig: { ...DEFAULT_CONSUMER_CONFIG, ...config.consumerConfig, groupId },
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
