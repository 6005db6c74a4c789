import {
  brokers,
  committedOffsets,
  createTopic,
  produce,
  uniqueName,
  waitFor,
} from '../../helpers/kafka';
import { kafkaVersion } from '../../testing/support';
import { ConsumerProcess, type ProcessExit } from './consumer-process';
import { allHandled, countDeliveries, type FaultReport } from './ledger';

const MESSAGES = 5000;
const PARTITIONS = 4;
/** The first process gets its signal once this many values were handled. */
const SIGNAL_AFTER = 1500;
const HANDLER_DELAY_MS = 1;

export interface ProcessFaultOutcome {
  readonly report: FaultReport;
  readonly lost: string[];
  /** How the first (signalled) process ended. */
  readonly firstExit: ProcessExit;
  /** Values handled by the first process, counted when it had exited. */
  readonly handledByFirst: number;
  /** How the second process ended after its SIGTERM at the end. */
  readonly secondExit: ProcessExit;
}

/**
 * Produces 5,000 values over 4 partitions, starts a consumer process, sends it `signal` after
 * 1,500 handled values, then starts a second process in the same group and waits until every
 * value was handled and committed.
 */
export async function runProcessFault(
  signal: 'SIGKILL' | 'SIGTERM',
  { concurrency = 1 }: { concurrency?: number } = {},
): Promise<ProcessFaultOutcome> {
  const startedAt = Date.now();
  const topic = await createTopic(`fault-${signal.toLowerCase()}`, PARTITIONS);
  const groupId = uniqueName(`fault-${signal.toLowerCase()}-group`);
  const values = Array.from({ length: MESSAGES }, (_, i) => `v-${i}`);
  await produce(
    topic,
    values.map((value, i) => ({ value, partition: i % PARTITIONS })),
  );

  const handled: string[] = [];
  const start = (onHandled: (value: string) => void) =>
    new ConsumerProcess({
      brokers: brokers(),
      topic,
      groupId,
      handlerDelayMs: HANDLER_DELAY_MS,
      concurrency,
      onHandled,
    });
  const first: ConsumerProcess = start(value => {
    handled.push(value);
    if (handled.length === SIGNAL_AFTER) first.signal(signal);
  });
  let second: ConsumerProcess | undefined;
  try {
    const firstExit = await first.waitForExit(120_000);
    const handledByFirst = handled.length;

    second = start(value => handled.push(value));
    const restarted = second;
    await explained(restarted, () =>
      waitFor(() => allHandled(values, handled), 'every value handled after the restart', 120_000),
    );
    await explained(restarted, () =>
      waitFor(
        async () => sum(await committedOffsets(groupId, topic)) === MESSAGES,
        'every offset committed',
        60_000,
      ),
    );
    restarted.signal('SIGTERM');
    const secondExit = await restarted.waitForExit(60_000);

    const { lost, duplicates } = countDeliveries(values, handled);
    const report: FaultReport = {
      fault:
        concurrency > 1
          ? `${signal.toLowerCase()}-concurrency-${concurrency}`
          : signal.toLowerCase(),
      kafkaVersion: kafkaVersion(),
      produced: values.length,
      handled: handled.length,
      lost: lost.length,
      duplicates,
      durationMs: Date.now() - startedAt,
    };
    return { report, lost, firstExit, handledByFirst, secondExit };
  } finally {
    await first.dispose();
    await second?.dispose();
  }
}

/** Adds the consumer process's last output to a timeout, which otherwise says little. */
async function explained(child: ConsumerProcess, wait: () => Promise<void>): Promise<void> {
  try {
    await wait();
  } catch (error) {
    throw new Error(`${(error as Error).message}\nconsumer process output:\n${child.outputTail}`);
  }
}

function sum(offsets: Map<number, number>): number {
  return [...offsets.values()].reduce((total, offset) => total + Math.max(offset, 0), 0);
}
