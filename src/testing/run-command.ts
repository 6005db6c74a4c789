import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit code, or null when the command was killed by a signal or the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Thrown (as the rejection) when the executable itself cannot be started. */
export class CommandNotFoundError extends Error {
  constructor(
    readonly command: string,
    readonly spawnError: NodeJS.ErrnoException,
  ) {
    super(`${command}: ${spawnError.code ?? spawnError.message}`);
  }
}

/** Runs a command to completion and reports its output; never throws for a non-zero exit. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env,
        timeout: options.timeoutMs ?? 0,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const spawnError = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
        if (
          spawnError &&
          typeof spawnError.code === 'string' &&
          spawnError.syscall?.startsWith('spawn')
        ) {
          reject(new CommandNotFoundError(command, spawnError));
          return;
        }
        const code = spawnError
          ? typeof spawnError.code === 'number'
            ? spawnError.code
            : null
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The last `count` non-empty lines of a text, for error messages. */
export function tailLines(text: string, count: number): string {
  const lines = text.split(/\r?\n/).filter(line => line.trim() !== '');
  return lines.slice(-count).join('\n');
}

/** The first `count` non-empty lines of a text. */
export function headLines(text: string, count: number): string {
  return text
    .split(/\r?\n/)
    .filter(line => line.trim() !== '')
    .slice(0, count)
    .join('\n');
}
