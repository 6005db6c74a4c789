import type { RequestReplyStats } from 'midway-kafka';
import { Child } from './child';
import type { TrafficSummary } from './traffic';

export interface PeerOptions {
  app: 'replier-peer' | 'caller-peer';
  brokers: string[];
  groupId: string;
  /** The replier answers requests on it; a caller listens to it to be a member of its group. */
  topic: string;
}

/** What a peer reports about itself. */
export interface PeerReport {
  type: string;
  summary: TrafficSummary | undefined;
  stats: RequestReplyStats | undefined;
  /** How often it joined its consumer group (once at start, again after each rebalance). */
  joins: number;
}

/** A Midway app of fixtures/replier-peer or fixtures/caller-peer in a child process (peer-process.ts). */
export class Peer {
  private readonly child: Child<PeerReport>;
  private readonly waiting = new Map<string, (report: PeerReport) => void>();

  constructor(options: PeerOptions) {
    this.child = new Child<PeerReport>(
      'peer-process.ts',
      {
        PEER_APP: options.app,
        PEER_BROKERS: options.brokers.join(','),
        PEER_GROUP: options.groupId,
        PEER_TOPIC: options.topic,
        ...(options.app === 'caller-peer' ? { PEER_REQUEST_REPLY: '1' } : {}),
      },
      report => this.waiting.get(report.type)?.(report),
    );
  }

  whenReady(): Promise<void> {
    return this.child.whenReady();
  }

  /** Starts `concurrency` request lanes to `topic` in the peer. */
  startTraffic(topic: string, concurrency: number, timeout: number): void {
    this.child.send({ type: 'traffic', topic, concurrency, timeout });
  }

  progress(): Promise<PeerReport> {
    return this.ask('progress', 'progress');
  }

  /** Stops the traffic; resolves once every call in flight settled. */
  stopTraffic(): Promise<PeerReport> {
    return this.ask('stop-traffic', 'traffic-done');
  }

  kill(): Promise<void> {
    return this.child.kill();
  }

  stop(): Promise<void> {
    return this.child.stop();
  }

  private ask(command: string, answer: string): Promise<PeerReport> {
    return new Promise(resolve => {
      this.waiting.set(answer, report => {
        this.waiting.delete(answer);
        resolve(report);
      });
      this.child.send({ type: command });
    });
  }
}
