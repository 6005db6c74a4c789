import { createTopic, testKafka, uniqueName, waitFor } from '../helpers/kafka';
import { recordsInTopic, useProducerApp } from './helpers';

describe('one huge KafkaService.send', () => {
  const producer = useProducerApp();

  it('leaves a consumer of the same process in its group while 100,000 messages are written, each once and in order', async () => {
    const topic = await createTopic('huge-send', 3);
    const count = 100_000;
    // A short session: a member whose process stops heartbeating for 6 s is put out of the group
    // and has to join again. Encoding 100,000 messages in one request takes longer than that.
    const consumer = testKafka().consumer({
      groupId: uniqueName('huge-send-member'),
      sessionTimeout: 6000,
      heartbeatInterval: 500,
    });
    let joins = 0;
    let heartbeats = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    consumer.on(consumer.events.HEARTBEAT, () => heartbeats++);
    const received: { partition: number; offset: number; index: number }[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            partition,
            offset: Number(message.offset),
            index: Number(String(message.value)),
          });
        },
      });
      await waitFor(() => joins === 1, 'the consumer to join its group');

      const messages = Array.from({ length: count }, (_, i) => ({ value: String(i) }));
      const metadata = await producer.kafkaService.send({ topic, messages });

      await waitFor(() => received.length >= count, `${count} messages consumed`, 120_000);
      const seen = heartbeats;
      await waitFor(() => heartbeats >= seen + 2, 'two more heartbeats of the consumer');
      // Never put out of its group: one join, and so no message delivered twice.
      expect(joins).toBe(1);
      expect(received).toHaveLength(count);
      expect(await recordsInTopic(topic)).toBe(count);
      expect(new Set(received.map(r => r.index)).size).toBe(count);
      for (const partition of [0, 1, 2]) {
        const mine = received.filter(r => r.partition === partition);
        const indexes = mine.sort((a, b) => a.offset - b.offset).map(r => r.index);
        expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
        // The call's offsets name the first of its messages in each partition.
        const entry = metadata.find(m => m.partition === partition);
        expect(entry && Number(entry.baseOffset)).toBe(mine[0].offset);
      }
      expect(metadata).toHaveLength(3);
    } finally {
      await consumer.disconnect();
    }
  }, 240_000);
});
