import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const OUTPUT_TAIL_CHARS = 4000;

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

type ChildMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: unknown };

/** The NestJS microservice and client of nest-process.ts, in a child process. */
export class NestPeer {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private readonly waiting = new Map<number, (message: ChildMessage) => void>();
  private nextId = 0;
  private output = '';

  constructor(options: NestPeerOptions) {
    this.child = fork(join(__dirname, 'nest-process.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: {
        ...process.env,
        NEST_BROKERS: options.brokers.join(','),
        NEST_CLIENT_ID: options.clientId,
        NEST_GROUP_ID: options.groupId,
        NEST_SUM_TOPIC: options.sumTopic,
        NEST_FAIL_TOPIC: options.failTopic,
        NEST_CRASH_TOPIC: options.crashTopic,
        NEST_CALLS: options.calls.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise(resolve => this.child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve();
        else this.waiting.get(message.id)?.(message);
      });
      this.exited.then(() =>
        reject(new Error(`the NestJS process exited before it was ready:\n${this.output}`)),
      );
    });
    this.ready.catch(() => undefined);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** `lastValueFrom(client.send(pattern, data))` in the NestJS process: its value, or what it rejected with. */
  send(pattern: string, data: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, message => {
        this.waiting.delete(id);
        if (message.type !== 'result') return;
        if (message.ok) resolve(message.value);
        else reject(message.error);
      });
      this.child.send({ type: 'send', id, pattern, data });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
