import { fork } from 'node:child_process';
import { join } from 'node:path';

/** What a measured child run sends back over IPC; `maxRssBytes` only from framework-consumer. */
export interface ChildMeasurement {
  rate: number;
  maxRssBytes?: number;
}

/**
 * Runs one measured consume run in a child process (`script`, loaded with `execArgv`) and
 * resolves with the measurement it sends back over IPC.
 */
export function childMeasurement(
  script: string,
  execArgv: string[],
  env: NodeJS.ProcessEnv,
  label: string,
): Promise<ChildMeasurement> {
  const child = fork(script, [], {
    cwd: join(__dirname, '..', '..'),
    execArgv,
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let measured: ChildMeasurement | undefined;
    child.on('message', (message: ChildMeasurement) => (measured = message));
    child.on('error', reject);
    child.on('exit', code =>
      measured !== undefined && code === 0
        ? resolve(measured)
        : reject(new Error(`the ${label} run exited with code ${code}`)),
    );
  });
}

/** The messages per second of one measured child run. */
export async function childRate(
  script: string,
  execArgv: string[],
  env: NodeJS.ProcessEnv,
  label: string,
): Promise<number> {
  return (await childMeasurement(script, execArgv, env, label)).rate;
}
