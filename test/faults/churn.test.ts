import { brokers, createTopic, produce, uniqueName, waitFor } from '../helpers/kafka';
import type { Handling } from './fixtures/child-app/src/report';
import { ConsumerProcess } from './support/consumer-process';
import { countDeliveries, printReport } from './support/ledger';
import { kafkaVersion } from '../testing/support';

// Up to three app processes boot through ts-node and work through a slow backlog.
jest.setTimeout(300_000);

const PARTITIONS = 4;
const MESSAGES = 4000;
/** A database write. */
const HANDLER_DELAY_MS = 20;

interface Member {
  readonly name: string;
  readonly process: ConsumerProcess;
  readonly handlings: Handling[];
}

describe('churn: members join, leave gracefully and come back while slow handlers drain a backlog', () => {
  const members: Member[] = [];
  afterAll(() => Promise.all(members.map(m => m.process.dispose())));

  it('loses nothing, repeats nothing, never runs a partition on two members at once, and puts joiners to work promptly', async () => {
    const startedAt = Date.now();
    const topic = await createTopic('churn', PARTITIONS);
    const groupId = uniqueName('churn-group');
    const values = Array.from({ length: MESSAGES }, (_, i) => `c-${i}`);
    await produce(
      topic,
      values.map((value, i) => ({ value, key: value, partition: i % PARTITIONS })),
    );

    const all: { member: string; handling: Handling }[] = [];
    const join = (name: string): Member => {
      const handlings: Handling[] = [];
      const process = new ConsumerProcess({
        brokers: brokers(),
        topic,
        groupId,
        handlerDelayMs: HANDLER_DELAY_MS,
        onHandled: (_value, handling) => {
          handlings.push(handling);
          all.push({ member: name, handling });
        },
      });
      const member = { name, process, handlings };
      members.push(member);
      return member;
    };
    const handledCount = () => all.length;
    const leave = async (member: Member) => {
      member.process.signal('SIGTERM');
      expect(await member.process.waitForExit(60_000)).toEqual({ code: 0, signal: null });
    };
    /** ms from a member's spawn to its first handled message. */
    const firstMessageAfter = async (member: Member) => {
      await waitFor(() => member.handlings.length > 0, `${member.name}'s first message`, 60_000);
      return member.handlings[0].finishedAt - member.process.spawnedAt;
    };

    const first = join('first');
    await waitFor(() => handledCount() >= 300, '300 handled by the first member', 60_000);
    const second = join('second');
    const secondWaited = await firstMessageAfter(second);
    await waitFor(() => handledCount() >= 1200, '1,200 handled', 120_000);
    const third = join('third');
    const thirdWaited = await firstMessageAfter(third);
    await waitFor(() => handledCount() >= 2000, '2,000 handled', 120_000);
    await leave(first);
    const restarted = join('first, restarted');
    const restartedWaited = await firstMessageAfter(restarted);
    await waitFor(() => handledCount() >= 3000, '3,000 handled', 120_000);
    await leave(second);

    const handledValues = () => new Set(all.map(a => a.handling.value));
    await waitFor(() => handledValues().size === MESSAGES, 'every value handled', 180_000);
    await leave(third);
    await leave(restarted);

    const { lost, duplicates } = countDeliveries(
      values,
      all.map(a => a.handling.value),
    );
    const overlaps = partitionOverlaps(all);
    printReport(
      {
        fault: 'churn',
        kafkaVersion: kafkaVersion(),
        produced: MESSAGES,
        handled: all.length,
        lost: lost.length,
        duplicates,
        durationMs: Date.now() - startedAt,
      },
      {
        firstMessageAfterJoinMs: [secondWaited, thirdWaited, restartedWaited].join('/'),
        overlaps: overlaps.length,
      },
    );
    expect(lost).toEqual([]);
    expect(duplicates).toBe(0);
    expect(overlaps).toEqual([]);
    for (const waited of [secondWaited, thirdWaited, restartedWaited]) {
      expect(waited).toBeLessThan(30_000);
    }
  });
});

/** Pairs of handler calls on one partition by two members whose running times overlap. */
function partitionOverlaps(all: { member: string; handling: Handling }[]): string[] {
  const overlaps: string[] = [];
  const byPartition = new Map<number, { member: string; handling: Handling }[]>();
  for (const entry of all) {
    const list = byPartition.get(entry.handling.partition) ?? [];
    list.push(entry);
    byPartition.set(entry.handling.partition, list);
  }
  for (const [partition, entries] of byPartition) {
    entries.sort((a, b) => a.handling.startedAt - b.handling.startedAt);
    // Per member, the latest end among the calls that started earlier: another member's call
    // overlaps one of them exactly when it starts before that end.
    const lastEnd = new Map<string, { member: string; handling: Handling }>();
    for (const entry of entries) {
      for (const [member, earlier] of lastEnd) {
        if (member !== entry.member && entry.handling.startedAt < earlier.handling.finishedAt) {
          overlaps.push(
            `partition ${partition}: ${member} ran ${earlier.handling.value} until ` +
              `${earlier.handling.finishedAt}, ${entry.member} started ${entry.handling.value} at ${entry.handling.startedAt}`,
          );
        }
      }
      const mine = lastEnd.get(entry.member);
      if (!mine || entry.handling.finishedAt > mine.handling.finishedAt)
        lastEnd.set(entry.member, entry);
    }
  }
  return overlaps;
}
