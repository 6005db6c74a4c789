import type { Application, MidwayKafkaFramework, MessageFailure } from 'midway-kafka';
import { committedOffsets, createTopicNamed, produce, uniqueName, waitFor } from '../helpers/kafka';
import { fixture, startApp, stopApp, type KafkaTestConfig } from '../helpers/app';
import { joinRawMember, type RawMember } from '../helpers/raw-member';
import {
  control,
  finished,
  handlings,
  names,
  resetControl,
  resumes,
  runConfig,
} from './fixtures/members/src/names';

// Members join and leave a group while its handlers work: every test has two members at least.
jest.setTimeout(120_000);

const PARTITIONS = 2;
const app = () => fixture(__dirname, 'members');
const frameworkOf = (a: Application) => a.getFramework() as unknown as MidwayKafkaFramework;
const valuesOf = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

describe('a group whose members come and go', () => {
  let running: Application | undefined;
  let member: RawMember | undefined;
  beforeAll(() => createTopicNamed(names.topic, PARTITIONS));
  afterEach(async () => {
    resetControl();
    await member?.stop();
    member = undefined;
    await stopApp(running);
    running = undefined;
  });

  const start = async (groupId: string, config: KafkaTestConfig = {}) => {
    running = await startApp(app(), {
      ...config,
      consumerConfig: { groupId, ...config.consumerConfig },
    });
    return running;
  };

  it('a member joining while slow handlers drain a backlog gets partitions within seconds; nothing is handled twice', async () => {
    const groupId = uniqueName('slow-backlog');
    // Finished work waits for this interval, so only a commit on revoke keeps it from replaying.
    runConfig.autoCommitInterval = 60_000;
    await start(groupId);
    control.delayMs = 20;
    const values = valuesOf(uniqueName('backlog'), 2000);
    // One produce request: each partition's 1,000 messages arrive as one fetched batch of 20 s.
    await produce(
      names.topic,
      values.map((value, i) => ({ value, partition: i % PARTITIONS })),
    );
    await waitFor(() => finished().length >= 50, 'the first member to be busy with the backlog');

    member = await joinRawMember(groupId, names.topic);
    await waitFor(
      () => member!.received.length > 0,
      'the joining member to get its first message',
      30_000,
    );
    const mine = new Set(values);
    await waitFor(
      () =>
        new Set([...finished(), ...member!.received.map(r => r.value)].filter(v => mine.has(v)))
          .size === values.length,
      'every value handled by one of the members',
      90_000,
    );
    const byApp = finished().filter(v => mine.has(v));
    const byMember = member.received.map(r => r.value).filter(v => mine.has(v));
    expect(byApp.length + byMember.length).toBe(values.length);
    expect(byApp.length).toBeGreaterThan(0);
    expect(byMember.length).toBeGreaterThan(0);
  });

  it('commits finished work that waited for autoCommitInterval when the group rebalances', async () => {
    const groupId = uniqueName('revoke-commit');
    runConfig.autoCommitInterval = 60_000;
    await start(groupId);
    const before = await committedOffsets(groupId, names.topic);
    const values = valuesOf(uniqueName('idle'), 20);
    await produce(
      names.topic,
      values.map((value, i) => ({ value, partition: i % PARTITIONS })),
    );
    await waitFor(() => values.every(v => finished().includes(v)), 'the app to handle all 20');
    // Nothing was due yet: the 20 finished offsets are pending.
    expect(await committedOffsets(groupId, names.topic)).toEqual(before);

    member = await joinRawMember(groupId, names.topic);
    await member.joined();
    const after = valuesOf(uniqueName('after'), 4);
    await produce(
      names.topic,
      after.map((value, i) => ({ value, partition: i % PARTITIONS })),
    );
    await waitFor(
      () => after.every(v => finished().includes(v) || member!.received.some(r => r.value === v)),
      'the messages produced after the rebalance',
    );
    // The member that took partitions over started after the app's finished work.
    expect(member.received.map(r => r.value).filter(v => values.includes(v))).toEqual([]);
    const committed = await committedOffsets(groupId, names.topic);
    for (const [partition, offset] of before) {
      expect(committed.get(partition)).toBeGreaterThanOrEqual(offset + values.length / PARTITIONS);
    }
  });

  it('a rebalance answer from ctx.heartbeat() does not use up an attempt or dead-letter the message', async () => {
    const groupId = uniqueName('heartbeat');
    const deadLetters: string[] = [];
    await start(groupId, {
      consumerConfig: { heartbeatInterval: 300 },
      retry: { attempts: 1 },
      onFailure: async failure => void deadLetters.push(String(failure.message.value)),
    });
    const value = uniqueName('long');
    control.heartbeatFor.set(value, 8000);
    await produce(names.topic, [{ value, partition: 0 }]);
    await waitFor(() => handlings.some(h => h.value === value), 'the long handler to start');

    member = await joinRawMember(groupId, names.topic);
    await waitFor(
      () => finished().includes(value) || member!.received.some(r => r.value === value),
      'the long message to be handled by one of the members after the rebalance',
      60_000,
    );
    expect(deadLetters).toEqual([]);
    expect(handlings.filter(h => h.value === value).every(h => h.attempt === 1)).toBe(true);
  });

  it('ctx.pause() stops the partition at once, and a retry timer does not resume it', async () => {
    const groupId = uniqueName('pause');
    await start(groupId, {
      retry: { attempts: 3, initialDelayMs: 1500, maxDelayMs: 1500, jitter: 0 },
    });
    member = await joinRawMember(groupId, names.topic, { clientId: `zzz-${uniqueName('m')}` });
    await member.joined(); // the app (an earlier client id) keeps partition 0

    const prefix = uniqueName('paused');
    const values = valuesOf(prefix, 10);
    control.pauseOn.add(values[3]);
    await produce(
      names.topic,
      values.map(value => ({ value, partition: 0 })),
    );
    await waitFor(() => finished().includes(values[3]), 'the value that pauses');
    await new Promise(resolve => setTimeout(resolve, 3000));
    expect(handlings.filter(h => h.value.startsWith(`${prefix}-`)).map(h => h.value)).toEqual(
      values.slice(0, 4),
    );

    // A failure while paused: its retry backoff ends, but the user's pause holds.
    const failing = uniqueName('paused-failing');
    control.pauseOn.add(failing);
    control.failOn.set(failing, 1);
    resumes.splice(0).forEach(resume => resume());
    await produce(names.topic, [{ value: failing, partition: 0 }]);
    await waitFor(() => finished().includes(values[9]), 'the rest after resume');
    await waitFor(() => handlings.some(h => h.value === failing), 'the failing value');
    await new Promise(resolve => setTimeout(resolve, 4000));
    expect(handlings.filter(h => h.value === failing)).toHaveLength(1);
    control.pauseOn.delete(failing);
    resumes.splice(0).forEach(resume => resume());
    await waitFor(() => finished().includes(failing), 'the failing value, retried after resume');
  });

  it("a partition the 'stop' policy paused is fetched again once it left this member and came back", async () => {
    const groupId = uniqueName('stopped');
    // kafkajs's RoundRobin assigner gives partition 0 to the member whose id sorts first.
    await start(groupId, {
      kafkaConfig: { clientId: `zzz-${uniqueName('app')}` },
      retry: { attempts: 1 },
      onFailure: 'stop',
    });
    const stops: MessageFailure[] = [];
    frameworkOf(running!).onPartitionStopped(failure => stops.push(failure));
    const poison = uniqueName('poison');
    control.failOn.set(poison, Infinity);
    await produce(names.topic, [{ value: poison, partition: 0 }]);
    await waitFor(() => stops.length === 1, "the 'stop' policy to pause partition 0");

    member = await joinRawMember(groupId, names.topic, { clientId: `aaa-${uniqueName('m')}` });
    await waitFor(
      () => member!.received.some(r => r.value === poison),
      'the other member to take partition 0',
    );
    await member.stop(); // it handled (and committed) the poison message, then leaves
    member = undefined;

    const after = uniqueName('after-stop');
    await produce(names.topic, [{ value: after, partition: 0 }]);
    await waitFor(() => finished().includes(after), 'partition 0 to be fetched again', 30_000);
  });

  it('a brand-new group never commits past a message it has not handled', async () => {
    const groupId = uniqueName('pin');
    let producing = true;
    const produced: Promise<void>[] = [];
    const prefix = uniqueName('steady');
    const loop = (async () => {
      for (let i = 0; producing; i++) {
        produced.push(produce(names.topic, [{ value: `${prefix}-${i}`, partition: 0 }]));
        await new Promise(resolve => setTimeout(resolve, 2));
      }
    })();
    try {
      await new Promise(resolve => setTimeout(resolve, 300));
      control.holdAll = true;
      await start(groupId);
      await waitFor(
        () => handlings.some(h => h.value.startsWith(`${prefix}-`) && h.partition === 0),
        'the first message of partition 0',
      );
      const first = handlings.find(h => h.value.startsWith(`${prefix}-`) && h.partition === 0)!;
      const committed = (await committedOffsets(groupId, names.topic)).get(0) ?? -1;
      expect(committed).toBeLessThanOrEqual(Number(first.offset));
    } finally {
      producing = false;
      await loop;
      await Promise.all(produced);
    }
  });
});

describe('stopping with a handler that never returns', () => {
  let running: Application | undefined;
  beforeAll(() => createTopicNamed(names.topic, PARTITIONS).catch(() => undefined));
  afterEach(async () => {
    resetControl();
    await stopApp(running);
    running = undefined;
  });

  it('app.close() returns after shutdownTimeout, commits what finished, and names the handler', async () => {
    const groupId = uniqueName('stuck');
    running = await startApp(app(), { consumerConfig: { groupId }, shutdownTimeout: 2000 });
    const values = valuesOf(uniqueName('stuck'), 3);
    control.holdOn.add(values[1]);
    await produce(
      names.topic,
      values.map(value => ({ value, partition: 1 })),
    );
    await waitFor(() => handlings.some(h => h.value === values[1]), 'the handler that hangs');
    const stuck = handlings.find(h => h.value === values[1])!;

    const closing = stopApp(running);
    running = undefined;
    const outcome = await Promise.race([
      closing.then(() => 'closed'),
      new Promise(resolve => setTimeout(() => resolve('still closing'), 2000 + 15_000)),
    ]);
    expect(outcome).toBe('closed');
    const committed = (await committedOffsets(groupId, names.topic)).get(1);
    expect(committed).toBe(Number(stuck.offset));

    // The group is free: another member gets the unfinished message right away.
    const member = await joinRawMember(groupId, names.topic);
    try {
      await waitFor(
        () => member.received.some(r => r.value === values[1]),
        'the unfinished message',
        30_000,
      );
    } finally {
      await member.stop();
    }
    const log = await readLog();
    expect(log).toContain(`MembersConsumer.onValue on ${names.topic}[1]@${stuck.offset}`);
  });
});

async function readLog(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  return readFile(join(app(), 'logs', 'midway-kafka.log'), 'utf8');
}
