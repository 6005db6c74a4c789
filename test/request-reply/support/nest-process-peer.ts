import { Child } from './child';

export interface NestPeerOptions {
  brokers: string[];
  clientId: string;
  /** NestJS appends `-server` (microservice) and `-client` (ClientKafka) to it. */
  groupId: string;
  sumTopic: string;
  failTopic: string;
  crashTopic: string;
  /** Topics the NestJS client will call; each needs its `<topic>.reply` topic. */
  calls: string[];
}

type Result =
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: unknown };

/** The NestJS microservice and client of nest-process.ts, in a child process. */
export class NestPeer {
  private readonly child: Child<Result>;
  private readonly waiting = new Map<number, (result: Result) => void>();
  private nextId = 0;

  constructor(options: NestPeerOptions) {
    this.child = new Child<Result>(
      'nest-process.ts',
      {
        NEST_BROKERS: options.brokers.join(','),
        NEST_CLIENT_ID: options.clientId,
        NEST_GROUP_ID: options.groupId,
        NEST_SUM_TOPIC: options.sumTopic,
        NEST_FAIL_TOPIC: options.failTopic,
        NEST_CRASH_TOPIC: options.crashTopic,
        NEST_CALLS: options.calls.join(','),
      },
      result => this.waiting.get(result.id)?.(result),
    );
  }

  whenReady(): Promise<void> {
    return this.child.whenReady();
  }

  /** `lastValueFrom(client.send(pattern, data))` in the NestJS process: its value, or what it rejected with. */
  send(pattern: string, data: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, result => {
        this.waiting.delete(id);
        if (result.ok) resolve(result.value);
        else reject(result.error);
      });
      this.child.send({ type: 'send', id, pattern, data });
    });
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
