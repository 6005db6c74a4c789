import { Kafka, logLevel } from 'kafkajs';

/** As long as the other callers' request timeout. */
const STALL_MS = 30_000;

/**
 * The floor of `npm run bench:request`: a caller written on kafkajs alone. Requests made in the
 * same turn of the event loop go out in one produce request, one request in flight at a time
 * (as `KafkaService` batches them); replies are matched to their calls by correlation id in a
 * consumer of the reply topic. No per-call timeouts, no checks, no middleware: what kafkajs and
 * the broker cost on this machine, and nothing else. One watchdog fails every waiting call when
 * no reply came for STALL_MS, so a dead replier fails the bench instead of hanging it.
 */
export async function kafkajsCaller(
  brokers: string[],
  topic: string,
  replyTopic: string,
  groupId: string,
) {
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 1000 });
  let lastReplyAt = Date.now();
  const waiting = new Map<
    string,
    { resolve(reply: unknown): void; reject(error: unknown): void }
  >();
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [replyTopic], fromBeginning: true });
  const joined = new Promise(resolve => consumer.on(consumer.events.GROUP_JOIN, resolve));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const id = message.headers?.kafka_correlationId?.toString() ?? '';
        const call = waiting.get(id);
        if (!call) continue;
        lastReplyAt = Date.now();
        waiting.delete(id);
        call.resolve(JSON.parse((message.value ?? '').toString()));
      }
    },
  });
  await joined;

  const watchdog = setInterval(() => {
    if (waiting.size === 0 || Date.now() - lastReplyAt < STALL_MS) return;
    const error = new Error(`kafkajs alone: no reply for ${STALL_MS} ms (is its replier running?)`);
    for (const call of waiting.values()) call.reject(error);
    waiting.clear();
  }, 1000);
  watchdog.unref();

  type Outgoing = {
    value: string;
    headers: { kafka_correlationId: string; kafka_replyTopic: string };
  };
  let queue: Outgoing[] = [];
  let inFlight = false;
  let nextId = 0;
  const flush = async (): Promise<void> => {
    if (inFlight || queue.length === 0) return;
    inFlight = true;
    const messages = queue;
    queue = [];
    try {
      await producer.send({ topic, messages });
    } catch (error) {
      for (const { headers } of messages) {
        waiting.get(headers.kafka_correlationId)?.reject(error);
        waiting.delete(headers.kafka_correlationId);
      }
    } finally {
      inFlight = false;
      if (queue.length > 0) setImmediate(() => void flush());
    }
  };
  return {
    call: (value: unknown) =>
      new Promise<unknown>((resolve, reject) => {
        if (waiting.size === 0) lastReplyAt = Date.now();
        const id = String(nextId++);
        waiting.set(id, { resolve, reject });
        queue.push({
          value: JSON.stringify(value),
          headers: { kafka_correlationId: id, kafka_replyTopic: replyTopic },
        });
        if (queue.length === 1) setImmediate(() => void flush());
      }),
    close: async () => {
      clearInterval(watchdog);
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
