import type { Admin } from 'kafkajs';
import { KafkaComponentError } from '../errors/kafka-component-error';
import type { RequestReplySettings } from './options';

/** The next offset to read, per partition. */
export type Positions = Map<number, string>;

/**
 * Checks the reply topic at start, creating it when allowed, and returns where each partition
 * ends now: the reply consumer starts there, so it sees every reply to a request sent after
 * start and none of the backlog. Lists topics instead of asking for the topic's metadata, which
 * would create it on a broker that creates topics automatically.
 */
export async function prepareReplyTopic(
  admin: Admin,
  settings: RequestReplySettings,
): Promise<Positions> {
  const topic = settings.replyTopic;
  if (!(await admin.listTopics()).includes(topic)) {
    if (!settings.createReplyTopic) {
      throw new KafkaComponentError(
        'START_FAILED',
        `The reply topic "${topic}" (kafka.requestReply.replyTopic) does not exist. Create it, ` +
          'or set kafka.requestReply.createReplyTopic to true to have it created at start.',
      );
    }
    try {
      await admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: settings.replyTopicPartitions,
            replicationFactor: settings.replyTopicReplicationFactor,
          },
        ],
        waitForLeaders: true,
      });
    } catch (error) {
      throw new KafkaComponentError(
        'START_FAILED',
        `Could not create the reply topic "${topic}" (kafka.requestReply.replyTopic): ` +
          `${(error as Error).message}. Create it yourself (and set kafka.requestReply.createReplyTopic ` +
          'to false), or allow this client to create topics.',
        { cause: error },
      );
    }
  }
  const ends = await admin.fetchTopicOffsets(topic);
  return new Map(ends.map(({ partition, high }) => [partition, high]));
}
