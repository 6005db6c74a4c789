import type { EachMessagePayload } from 'kafkajs';
import {
  committedOffsets,
  createTopic,
  produceNumbered,
  testKafka,
  uniqueName,
  waitFor,
  withAdmin,
} from '../helpers/kafka';

describe('the test broker (smoke)', () => {
  it('lists its brokers and a controller', async () => {
    const cluster = await withAdmin(admin => admin.describeCluster());
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.controller).not.toBeNull();
  });

  it('produces, consumes in a group and commits through kafkajs', async () => {
    const topic = await createTopic('smoke', 2);
    const groupId = uniqueName('smoke-group');
    const sent = await produceNumbered(topic, 20);

    const consumer = testKafka().consumer({ groupId });
    const received: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }: EachMessagePayload) => {
          received.push(message.value!.toString());
        },
      });
      await waitFor(() => received.length >= sent.length, 'all 20 messages');
      await waitFor(async () => {
        const offsets = await committedOffsets(groupId, topic);
        return [...offsets.values()].reduce((sum, offset) => sum + Math.max(offset, 0), 0) === 20;
      }, 'the group to commit all offsets');
    } finally {
      await consumer.disconnect();
    }
    expect(received.sort()).toEqual([...sent].sort());
  });
});
