import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import type { ILogger } from '@midwayjs/core';
import { KafkaComponentError } from '../errors';
import type { GroupPlan } from '../listener/plan-groups';

export interface DeadLetterTopicCheck {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  /** `kafka.createDeadLetterTopics`: create missing topics (true) or fail start (false). */
  readonly create: boolean;
  readonly logger: ILogger;
}

/** A dead-letter topic and who publishes to it. */
interface DeadLetterTarget {
  readonly topic: string;
  /** The topics whose failed messages it receives (usually one). */
  readonly sources: Set<string>;
  /** `Class.method` of each listener that publishes to it. */
  readonly listeners: string[];
}

/** Partitions and replication factor of an existing topic. */
interface TopicShape {
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * Makes sure, before any consumer runs, that every `'dead-letter'` listener's topic exists: a
 * failed message whose dead-letter topic is missing could never be published, and its partition
 * would wait. One metadata request lists every topic (naming topics would make a broker with
 * auto-creation create them, with its default partition count). A missing topic is created like
 * its source topic when `create` allows it; otherwise start fails naming it.
 */
export async function ensureDeadLetterTopics(
  plans: readonly GroupPlan[],
  check: DeadLetterTopicCheck,
): Promise<void> {
  const targets = deadLetterTargets(plans);
  if (targets.length === 0) return;
  const admin = check.kafka.admin();
  try {
    await admin.connect();
    const existing = await describeTopics(admin);
    const missing = targets.filter(target => !existing.has(target.topic));
    if (missing.length === 0) return;
    if (!check.create) throw missingError(missing, existing);
    await createLikeSources(admin, missing, existing, check.logger);
  } catch (error) {
    if (error instanceof KafkaComponentError) throw error;
    throw new KafkaComponentError(
      'START_FAILED',
      `Could not check the dead-letter topics (${targets.map(t => `'${t.topic}'`).join(', ')}) on ` +
        `brokers ${check.brokers.join(', ')}: ${describe(error)}. Check kafka.kafkaConfig.brokers ` +
        'and that this host can reach the cluster.',
      { cause: error },
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function deadLetterTargets(plans: readonly GroupPlan[]): DeadLetterTarget[] {
  const targets = new Map<string, DeadLetterTarget>();
  for (const plan of plans) {
    for (const { topic, listeners } of plan.topics.values()) {
      for (const listener of listeners) {
        if (listener.onFailure !== 'dead-letter') continue;
        const target = targets.get(listener.deadLetterTopic) ?? {
          topic: listener.deadLetterTopic,
          sources: new Set<string>(),
          listeners: [],
        };
        target.sources.add(topic);
        if (!target.listeners.includes(listener.id)) target.listeners.push(listener.id);
        targets.set(target.topic, target);
      }
    }
  }
  return [...targets.values()];
}

async function describeTopics(admin: Admin): Promise<Map<string, TopicShape>> {
  const { topics } = await admin.fetchTopicMetadata();
  return new Map(
    topics.map(({ name, partitions }) => [
      name,
      {
        partitions: partitions.length,
        replicationFactor: Math.max(0, ...partitions.map(p => p.replicas.length)),
      },
    ]),
  );
}

/**
 * As many partitions as the source topic (Spring Kafka publishes a failed message to the same
 * partition number) and the same replication factor; the broker's defaults (-1) for a source
 * that does not exist yet.
 */
function shapeFor(target: DeadLetterTarget, existing: Map<string, TopicShape>): TopicShape {
  const sources = [...target.sources].flatMap(source => existing.get(source) ?? []);
  if (sources.length === 0) return { partitions: -1, replicationFactor: -1 };
  return {
    partitions: Math.max(...sources.map(s => s.partitions)),
    replicationFactor: Math.max(...sources.map(s => s.replicationFactor)),
  };
}

async function createLikeSources(
  admin: Admin,
  missing: DeadLetterTarget[],
  existing: Map<string, TopicShape>,
  logger: ILogger,
): Promise<void> {
  const topics: ITopicConfig[] = missing.map(target => {
    const shape = shapeFor(target, existing);
    return {
      topic: target.topic,
      numPartitions: shape.partitions,
      replicationFactor: shape.replicationFactor,
    };
  });
  try {
    // Leaders are not awaited: kafkajs gives up on that in multi-node clusters, and a publish
    // waits for a leader anyway.
    await admin.createTopics({ topics, waitForLeaders: false });
  } catch (error) {
    const failed = creationFailures(error, missing);
    if (failed.length > 0) throw creationError(failed, existing);
  }
  for (const { topic, numPartitions } of topics) {
    const partitions = numPartitions === -1 ? "the broker's default" : String(numPartitions);
    logger.info(`[midway-kafka] created dead-letter topic '${topic}' (partitions: ${partitions})`);
  }
}

/** The topics whose creation failed, with the reason; one created meanwhile by another instance is fine. */
function creationFailures(
  error: unknown,
  missing: DeadLetterTarget[],
): { target: DeadLetterTarget; reason: string }[] {
  const perTopic = (error as { errors?: { topic?: string; type?: string; message?: string }[] })
    .errors;
  if (!Array.isArray(perTopic)) return missing.map(target => ({ target, reason: describe(error) }));
  return perTopic.flatMap(failure => {
    const target = missing.find(t => t.topic === failure.topic);
    if (!target || failure.type === 'TOPIC_ALREADY_EXISTS') return [];
    return [{ target, reason: `${failure.type ?? 'error'}: ${failure.message ?? ''}` }];
  });
}

function missingError(
  missing: DeadLetterTarget[],
  existing: Map<string, TopicShape>,
): KafkaComponentError {
  return new KafkaComponentError(
    'START_FAILED',
    `Dead-letter topic${missing.length > 1 ? 's' : ''} missing, and kafka.createDeadLetterTopics is false: ` +
      `${missing.map(target => describeTarget(target, existing)).join('; ')}. A message failing there ` +
      'could not be published and its partition would wait. Create them (e.g. ' +
      `${createCommand(missing[0], existing)}), set kafka.createDeadLetterTopics to true, ` +
      'or give these listeners another onFailure policy.',
  );
}

function creationError(
  failed: { target: DeadLetterTarget; reason: string }[],
  existing: Map<string, TopicShape>,
): KafkaComponentError {
  return new KafkaComponentError(
    'START_FAILED',
    `Could not create dead-letter topic${failed.length > 1 ? 's' : ''} ` +
      `${failed.map(f => `${describeTarget(f.target, existing)}: ${f.reason}`).join('; ')}. ` +
      `Create ${failed.length > 1 ? 'them' : 'it'} yourself (e.g. ${createCommand(failed[0].target, existing)}), ` +
      "grant this client's principal CREATE on the topic, or give these listeners another onFailure policy.",
  );
}

function describeTarget(target: DeadLetterTarget, existing: Map<string, TopicShape>): string {
  const sources = [...target.sources]
    .map(source => {
      const shape = existing.get(source);
      return shape
        ? `'${source}' has ${shape.partitions} partitions`
        : `'${source}' does not exist yet`;
    })
    .join(', ');
  return `'${target.topic}' (for ${target.listeners.join(', ')}; ${sources})`;
}

function createCommand(target: DeadLetterTarget, existing: Map<string, TopicShape>): string {
  const { partitions } = shapeFor(target, existing);
  const count = partitions > 0 ? ` --partitions ${partitions}` : '';
  return `kafka-topics.sh --create --topic ${target.topic}${count}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
