import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { WATCHDOG_SOURCE } from './watchdog';

export interface JvmLaunch {
  command: string;
  args: string[];
  cwd: string;
  /** Where the JVM's own stdout/stderr go (the broker itself logs through slf4j to a file). */
  outputFile: string;
  /** Removed by the watchdog if this process dies without stopping the JVM. */
  nodeDir: string;
  /** Removed too once empty, i.e. after its last node. */
  clusterDir: string;
  /** How long the JVM may take to shut down after SIGTERM before it is killed. */
  graceMs: number;
}

export interface JvmExit {
  code: number | null;
  signal: string | null;
}

type WatchdogMessage =
  | { type: 'pid'; pid: number }
  | { type: 'exit'; code: number | null; signal: string | null }
  | { type: 'error'; message: string };

/**
 * One JVM run under its watchdog. The watchdog is detached (its own process group), so a
 * Ctrl+C in the terminal reaches only this process, which then stops the JVM in order.
 */
export class JvmProcess {
  private readonly watchdog: ChildProcess;
  private jvmPid?: number;
  private exitInfo?: JvmExit;
  private stopping?: Promise<JvmExit>;
  /** Resolves with the JVM's pid once it runs; rejects if it cannot be started. */
  readonly started: Promise<number>;
  /** Resolves when the JVM has exited (for whatever reason) and the watchdog is gone. */
  readonly exited: Promise<JvmExit>;

  constructor(private readonly launch: JvmLaunch) {
    this.watchdog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, JSON.stringify(launch)], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    // A forgotten broker must not keep Node alive; the exit hook and the watchdog clean up.
    this.watchdog.unref();
    for (const stream of [this.watchdog.stdin, this.watchdog.stdout]) {
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    this.watchdog.stdin?.on('error', () => undefined);

    let resolveStarted: (pid: number) => void = () => undefined;
    let rejectStarted: (error: Error) => void = () => undefined;
    this.started = new Promise<number>((resolve, reject) => {
      resolveStarted = resolve;
      rejectStarted = reject;
    });
    this.started.catch(() => undefined);

    this.exited = new Promise<JvmExit>(resolve => {
      const lines = createInterface({ input: this.watchdog.stdout! });
      lines.on('line', line => {
        let message: WatchdogMessage;
        try {
          message = JSON.parse(line) as WatchdogMessage;
        } catch {
          return;
        }
        if (message.type === 'pid') {
          this.jvmPid = message.pid;
          resolveStarted(message.pid);
        } else if (message.type === 'exit') {
          this.exitInfo = { code: message.code, signal: message.signal };
        } else {
          rejectStarted(new Error(`could not start ${launch.command}: ${message.message}`));
        }
      });
      this.watchdog.on('exit', (code, signal) => {
        rejectStarted(new Error(`the watchdog exited early (${code ?? signal})`));
        this.exitInfo ??= { code: null, signal: signal ?? 'unknown' };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number | undefined {
    return this.jvmPid;
  }

  /** Set once the JVM has exited. */
  get exit(): JvmExit | undefined {
    return this.exitInfo;
  }

  /** SIGTERM, wait up to the grace period, then SIGKILL; concurrent calls share one promise. */
  stop(): Promise<JvmExit> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<JvmExit> {
    if (this.exitInfo && this.watchdog.exitCode !== null) return this.exitInfo;
    this.watchdog.stdin?.write('stop\n');
    const fallback = setTimeout(() => this.killSync(), this.launch.graceMs + 5_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(fallback);
      this.watchdog.stdin?.end();
    }
  }

  /** For the process 'exit' hook, where nothing asynchronous runs any more. */
  killSync(): void {
    for (const pid of [this.jvmPid, this.watchdog.pid]) {
      if (pid === undefined) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Kills only the JVM: its watchdog notices the exit and removes the data (used on exit). */
  killJvmSync(): void {
    if (this.jvmPid === undefined || this.exitInfo) return;
    try {
      process.kill(this.jvmPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
