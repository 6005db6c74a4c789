import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Handling } from '../fixtures/child-app/src/report';

const ROOT = join(__dirname, '../../..');
const SCRIPT = join(__dirname, '../fixtures/consumer-process.ts');
const OUTPUT_TAIL_CHARS = 4000;

export interface ConsumerProcessOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  /** Work per message in the child's handler, in ms. */
  handlerDelayMs: number;
  /** The listener's `concurrency` option (default 1: one message at a time). */
  concurrency?: number;
  /** Called for each value the child reports handled (before its handler returned). */
  onHandled(value: string, handling: Handling): void;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

type ChildMessage = { type: 'ready' } | ({ type: 'handled' } & Handling);

/** A consumer app (test/faults/fixtures/consumer-process.ts) running in a child process. */
export class ConsumerProcess {
  readonly exited: Promise<ProcessExit>;
  /** When the process was started (Date.now()). */
  readonly spawnedAt = Date.now();
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private output = '';

  constructor(options: ConsumerProcessOptions) {
    this.child = fork(SCRIPT, [], {
      cwd: ROOT,
      // compat/register.js: the Midway major of this run (MIDWAY_VERSION) in the child too.
      execArgv: ['-r', join(ROOT, 'compat/register.js'), '-r', 'ts-node/register/transpile-only'],
      env: {
        ...process.env,
        FAULT_BROKERS: options.brokers.join(','),
        FAULT_TOPIC: options.topic,
        FAULT_GROUP: options.groupId,
        FAULT_HANDLER_DELAY_MS: String(options.handlerDelayMs),
        FAULT_CONCURRENCY: String(options.concurrency ?? 1),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise(resolve =>
      this.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: ChildMessage) => {
        if (message.type === 'handled') {
          const { value, partition, startedAt, finishedAt } = message;
          options.onHandled(value, { value, partition, startedAt, finishedAt });
        } else if (message.type === 'ready') resolve();
      });
      this.exited.then(exit =>
        reject(new Error(`the consumer process exited before it was ready (${describe(exit)})`)),
      );
    });
    this.ready.catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The last output of the child, for failure messages. */
  get outputTail(): string {
    return this.output;
  }

  /** Resolves once the app started (its group is joined); rejects if the process exits first. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  signal(signal: 'SIGKILL' | 'SIGTERM'): void {
    this.child.kill(signal);
  }

  /** Waits for the exit, killing the process if it takes longer than `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ProcessExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>(resolve => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const result = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (result !== 'late') return result;
    this.child.kill('SIGKILL');
    throw new Error(`the consumer process did not exit within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Makes sure the process is gone (for afterAll). */
  async dispose(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function describe(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`;
}
