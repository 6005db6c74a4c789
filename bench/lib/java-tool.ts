import { spawn } from 'node:child_process';

/** Output of a finished Java tool run. */
export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/**
 * Runs a Kafka Java tool class from the broker's jars (through `src/testing`) and returns its
 * output; rejects when it exits with an error or outlives `timeoutMs`.
 */
export async function runKafkaTool(
  mainClass: (classes: import('../../src/testing').KafkaToolClasses) => string,
  args: string[],
  options: { kafkaVersion?: string; timeoutMs?: number } = {},
): Promise<ToolOutput> {
  const { javaToolCommand, kafkaToolClasses } = await import('../../src/testing');
  const cls = mainClass(kafkaToolClasses(options.kafkaVersion));
  const { command, args: fullArgs } = await javaToolCommand(cls, args, {
    kafkaVersion: options.kafkaVersion,
  });
  return new Promise((resolve, reject) => {
    const child = spawn(command, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cls} exited with ${code}: ${stderr.trim().slice(-2000)}`));
    });
  });
}
