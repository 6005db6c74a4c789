import { brokers, uniqueName, waitFor } from '../helpers/kafka';
import { createTopics } from './support/topics';
import { Peer, type PeerOptions } from './support/peer';

/** Callers and repliers as separate processes, as instances of real applications run. */
describe('request–reply across application instances', () => {
  const peers: Peer[] = [];
  const start = async (options: Omit<PeerOptions, 'brokers'>) => {
    const peer = new Peer({ ...options, brokers: brokers() });
    peers.push(peer);
    await peer.whenReady();
    return peer;
  };
  afterEach(async () => {
    await Promise.all(peers.splice(0).map(peer => peer.kill()));
  });

  it('two callers in one group each get only their own replies, through rebalances of that group', async () => {
    const requests = uniqueName('rr-two-callers');
    const membership = uniqueName('rr-members');
    await createTopics({ [requests]: 2, [membership]: 2 });
    const callers = uniqueName('rr-callers');
    await start({ app: 'replier-peer', groupId: uniqueName('rr-replier'), topic: requests });
    const a = await start({ app: 'caller-peer', groupId: callers, topic: membership });
    a.startTraffic(requests, 10, 15_000);
    const okOf = async (peer: Peer) => (await peer.progress()).summary?.ok ?? 0;
    await waitFor(async () => (await okOf(a)) >= 200, 'caller A to get 200 replies', 60_000);

    // B joins A's group (a rebalance) and calls too; both read the one reply topic of the group.
    const b = await start({ app: 'caller-peer', groupId: callers, topic: membership });
    b.startTraffic(requests, 10, 15_000);
    await waitFor(async () => (await okOf(b)) >= 200, 'caller B to get 200 replies', 60_000);
    const fromB = await b.stopTraffic();
    // B leaves (another rebalance) while A goes on; A's calls go on across A's rejoin.
    await b.stop();
    await waitFor(async () => (await a.progress()).joins >= 2, 'A to rejoin after B left', 60_000);
    const aBefore = await okOf(a);
    await waitFor(async () => (await okOf(a)) >= aBefore + 200, 'A after B left', 60_000);
    const fromA = await a.stopTraffic();

    for (const report of [fromA, fromB]) {
      expect(report.summary?.wrong).toEqual([]);
      expect(report.summary?.failures).toEqual({});
      expect(report.summary?.ok).toBe(report.summary?.sent);
      // Each saw the other's replies on the shared reply topic and dropped them.
      expect(report.stats?.foreignReplies).toBeGreaterThan(0);
      expect(report.stats?.pending).toBe(0);
    }
  }, 240_000);

  it('callers of a replier killed mid-traffic get their own reply or a timeout, never a wrong reply', async () => {
    const requests = uniqueName('rr-restart');
    const membership = uniqueName('rr-restart-members');
    await createTopics({ [requests]: 2, [membership]: 1 });
    const replierGroup = uniqueName('rr-restarted-replier');
    const first = await start({ app: 'replier-peer', groupId: replierGroup, topic: requests });
    const caller = await start({
      app: 'caller-peer',
      groupId: uniqueName('rr-restart-caller'),
      topic: membership,
    });
    caller.startTraffic(requests, 20, 3000);
    const okOf = async () => (await caller.progress()).summary?.ok ?? 0;
    await waitFor(async () => (await okOf()) >= 300, '300 replies before the crash', 60_000);

    await first.kill();
    // The new instance takes the partitions once the dead one's session (10 s) expired.
    await start({ app: 'replier-peer', groupId: replierGroup, topic: requests });
    const atRestart = await okOf();
    await waitFor(async () => (await okOf()) >= atRestart + 300, '300 replies after it', 60_000);
    const { summary, stats } = await caller.stopTraffic();

    expect(summary?.wrong).toEqual([]);
    expect(Object.keys(summary?.failures ?? {})).toEqual(['REQUEST_TIMEOUT']);
    expect(summary!.ok + summary!.failures.REQUEST_TIMEOUT).toBe(summary!.sent);
    expect(stats).toMatchObject({ pending: 0, timedOut: summary!.failures.REQUEST_TIMEOUT });
  }, 240_000);
});
