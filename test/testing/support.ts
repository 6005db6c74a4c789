import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { DEFAULT_KAFKA_VERSION, javaToolCommand, kafkaToolClasses } from 'midway-kafka/testing';
import { brokers } from '../helpers/kafka';

/** The Kafka version this run tests (KAFKA_VERSION picks it, as in test/setup). */
export function kafkaVersion(): string {
  return process.env.KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

/** Pids of processes whose command line mentions `text` (e.g. a broker's data directory). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
      if (commandLine.includes(text)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Kafka Java tool from the broker's jars, feeding `input` to its stdin. */
export async function runKafkaTool(
  mainClass: string,
  args: string[],
  input = '',
  timeoutMs = 60_000,
): Promise<ToolRun> {
  const tool = await javaToolCommand(mainClass, args, { kafkaVersion: kafkaVersion() });
  return run(tool.command, tool.args, input, timeoutMs);
}

/**
 * Writes `lines` to `topic` with Kafka's Java console producer (acks=all), each line
 * `name:value,name:value<TAB>key|value` (headers, a tab, the key, '|', the value).
 */
export async function consoleProduce(topic: string, lines: string[]): Promise<ToolRun> {
  return runKafkaTool(
    kafkaToolClasses(kafkaVersion()).consoleProducer,
    [
      '--bootstrap-server',
      brokers().join(','),
      '--topic',
      topic,
      '--property',
      'parse.key=true',
      '--property',
      'key.separator=|',
      '--property',
      'parse.headers=true',
      '--producer-property',
      'acks=all',
    ],
    lines.join('\n') + '\n',
  );
}

/**
 * Compiles a Java source of this test folder against the broker's jars (kafka-clients among them)
 * and runs its class with `args`, on the same classpath.
 */
export async function runJavaSource(
  source: string,
  args: string[],
  timeoutMs = 90_000,
): Promise<ToolRun> {
  const mainClass = basename(source, '.java');
  const tool = await javaToolCommand(mainClass, args, { kafkaVersion: kafkaVersion() });
  const classes = mkdtempSync(join(tmpdir(), 'midway-kafka-java-'));
  try {
    // javac sits next to java in every JDK.
    const javac = tool.command.replace(/java$/, 'javac');
    const compiled = await run(
      javac,
      ['-cp', tool.classpath, '-d', classes, source],
      '',
      timeoutMs,
    );
    if (compiled.code !== 0) return compiled;
    const classpath = `${classes}${delimiter}${tool.classpath}`;
    return await run(tool.command, ['-cp', classpath, ...tool.args.slice(2)], '', timeoutMs);
  } finally {
    rmSync(classes, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input: string, timeoutMs: number): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** A running `midway-kafka-broker` command, started from the TypeScript source. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): CliRun {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', join(__dirname, '../../src/testing/cli.ts'), ...args],
    { cwd: join(__dirname, '../..'), env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Resolves with the brokers once the CLI printed its KAFKA_BROKERS line; fails if it exits. */
export async function brokersLine(cli: CliRun, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  cli.exited.then(() => (exited = true));
  for (;;) {
    const match = /^KAFKA_BROKERS=(\S+)$/m.exec(cli.stdout());
    if (match) return match[1].split(',');
    if (exited) throw new Error(`the CLI exited before it was ready:\n${cli.stderr()}`);
    if (Date.now() > deadline) {
      throw new Error(`no KAFKA_BROKERS line within ${timeoutMs} ms:\n${cli.stderr()}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

/**
 * The data directory the CLI reports on stderr right after its KAFKA_BROKERS line on stdout (the
 * two pipes arrive in either order, so this waits for it).
 */
export async function cliDataDir(cli: CliRun, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /data in (\S+)\)/.exec(cli.stderr());
    if (match) return match[1];
    if (Date.now() > deadline) {
      throw new Error(`the CLI did not report its data directory:\n${cli.stderr()}`);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}
