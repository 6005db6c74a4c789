import { fork } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs one measured consume run in a child process (`script`, loaded with `execArgv`) and
 * resolves with the messages per second it sends back over IPC as `{ rate }`.
 */
export function childRate(
  script: string,
  execArgv: string[],
  env: NodeJS.ProcessEnv,
  label: string,
): Promise<number> {
  const child = fork(script, [], {
    cwd: join(__dirname, '..', '..'),
    execArgv,
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let rate: number | undefined;
    child.on('message', (message: { rate: number }) => (rate = message.rate));
    child.on('error', reject);
    child.on('exit', code =>
      rate !== undefined && code === 0
        ? resolve(rate)
        : reject(new Error(`the ${label} run exited with code ${code}`)),
    );
  });
}
