import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const OUTPUT_TAIL_CHARS = 4000;

/** A message from a child; every child says `{ type: 'ready' }` once it can take commands. */
export interface ChildMessage {
  type: string;
}

/**
 * A TypeScript entry point of this folder run in a child process under ts-node, with IPC. Keeps
 * the end of its output for failure messages.
 */
export class Child<M extends ChildMessage> {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<void>;
  private output = '';

  constructor(script: string, env: Record<string, string>, onMessage: (message: M) => void) {
    this.child = fork(join(__dirname, script), [], {
      cwd: ROOT,
      // compat/register.js: the Midway major of this run (MIDWAY_VERSION) in the child too.
      execArgv: ['-r', join(ROOT, 'compat/register.js'), '-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise(resolve => this.child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      this.child.on('message', (message: M) => {
        if (message.type === 'ready') resolve();
        else onMessage(message);
      });
      this.exited.then(() =>
        reject(new Error(`${script} exited before it was ready:\n${this.output}`)),
      );
    });
    this.ready.catch(() => undefined);
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  send(command: object): void {
    this.child.send(command);
  }

  /** SIGKILL: the process dies at once, as in a crash. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it is not gone within `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}
