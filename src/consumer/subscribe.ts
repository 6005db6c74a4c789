import type { Consumer } from 'kafkajs';
import { KafkaComponentError } from '../errors';

const TOPIC_NOT_READY = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Subscribes, waiting for topics the broker is still creating (auto-creation answers "unknown
 * topic" until the leader is elected). A topic that never appears gets an error saying what to do.
 */
export async function subscribeWhenReady(
  consumer: Consumer,
  topics: string[],
  fromBeginning: boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      await consumer.subscribe({ topics, fromBeginning });
      return;
    } catch (error) {
      const type = (error as { type?: string }).type;
      if (!type || !TOPIC_NOT_READY.has(type)) throw error;
      if (Date.now() + delay > deadline) {
        throw new KafkaComponentError(
          'START_FAILED',
          `Could not subscribe to ${topics.map(t => `'${t}'`).join(', ')}: the broker says ${type} ` +
            `for ${timeoutMs} ms. Create the topic first (kafka-topics.sh --create, or admin.createTopics), ` +
            'or enable auto.create.topics.enable on the broker.',
          { cause: error },
        );
      }
      await new Promise(resolve => setTimeout(resolve, delay));
    }
  }
}
