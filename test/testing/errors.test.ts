import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKafkaError, startKafka, type StartKafkaOptions } from 'midway-kafka/testing';
import { freePorts } from '../../src/testing/ports';
import { kafkaVersion, startCli } from './support';

jest.setTimeout(120_000);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'midway-kafka-errors-test-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake executable that prints `stderr` and exits with `code`. */
function fakeCommand(name: string, stderr: string, code = 0): string {
  const dir = mkdtempSync(join(scratch, 'bin-'));
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\necho '${stderr}' >&2\nexit ${code}\n`);
  chmodSync(file, 0o755);
  return file;
}

async function startError(options: StartKafkaOptions): Promise<StartError> {
  try {
    const kafka = await startKafka({ kafkaVersion: kafkaVersion(), ...options });
    await kafka.stop();
  } catch (error) {
    expect(error).toBeInstanceOf(LocalKafkaError);
    const { code, message } = error as LocalKafkaError;
    return { code, message };
  }
  throw new Error('startKafka succeeded but should have failed');
}

interface StartError {
  code: string;
  message: string;
}

const EXISTING_BROKER_HINT = 'or set KAFKA_BROKERS to use an existing broker';

describe('clear errors of the local broker helper', () => {
  it('JAVA_MISSING when java cannot be run', async () => {
    const error = await startError({ javaCommand: join(scratch, 'no-such-dir', 'java') });
    expect(error.code).toBe('JAVA_MISSING');
    expect(error.message).toMatch(/Java was not found/);
    expect(error.message).toMatch(/install a Java 17\+/);
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  it('JAVA_TOO_OLD for Java 11, and for the 1.8 version style', async () => {
    const java11 = fakeCommand('java', 'openjdk version "11.0.22" 2024-01-16');
    const error = await startError({ javaCommand: java11 });
    expect(error.code).toBe('JAVA_TOO_OLD');
    expect(error.message).toMatch(/Java 11 found .*needs Java 17 or newer/);
    expect(error.message).toContain(EXISTING_BROKER_HINT);

    const java8 = fakeCommand('java', 'java version "1.8.0_392"');
    expect((await startError({ javaCommand: java8 })).message).toMatch(/Java 8 found/);
  });

  it('the command reports a too old java found on PATH and exits 1', async () => {
    const java11 = fakeCommand('java', 'openjdk version "11.0.22" 2024-01-16');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(java11, '..')}:${process.env.PATH}`,
    };
    delete env.JAVA_HOME;
    const cli = startCli([], env);
    expect((await cli.exited).code).toBe(1);
    expect(cli.stderr()).toContain('JAVA_TOO_OLD');
    expect(cli.stderr()).toContain(EXISTING_BROKER_HINT);
  });

  it('MAVEN_MISSING when the jars are not cached and mvn cannot be run', async () => {
    const error = await startError({
      cacheDir: mkdtempSync(join(scratch, 'cache-')),
      mavenCommand: join(scratch, 'no-such-dir', 'mvn'),
    });
    expect(error.code).toBe('MAVEN_MISSING');
    expect(error.message).toMatch(/Maven was not found/);
    expect(error.message).toMatch(/install Apache Maven/);
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  it('ARTIFACTS_UNRESOLVABLE for a Kafka version Maven cannot find', async () => {
    const error = await startError({
      kafkaVersion: '0.0.1-no-such-release',
      cacheDir: mkdtempSync(join(scratch, 'cache-')),
    });
    expect(error.code).toBe('ARTIFACTS_UNRESOLVABLE');
    expect(error.message).toContain('could not resolve the jars of Kafka 0.0.1-no-such-release');
    expect(error.message).toMatch(/check that the version exists on Maven Central/);
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  describe('PORT_IN_USE', () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      [port] = await freePorts(1);
      server = createServer();
      await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>(resolve => server.close(() => resolve())));

    it('when the requested port is taken', async () => {
      const error = await startError({ port });
      expect(error.code).toBe('PORT_IN_USE');
      expect(error.message).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(error.message).toMatch(/pass another port/);
      expect(error.message).toContain(EXISTING_BROKER_HINT);
    });
  });

  it('BROKER_NOT_READY within the readiness timeout, with the tail of the broker log', async () => {
    const error = await startError({ readinessTimeoutMs: 1 });
    expect(error.code).toBe('BROKER_NOT_READY');
    expect(error.message).toMatch(/did not answer metadata requests within 1 ms/);
    expect(error.message).toMatch(/raise readinessTimeoutMs/);
    expect(error.message).toContain('last lines of node 1 broker.log');
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  it('BROKER_NOT_READY when the broker dies on startup, showing why from its log', async () => {
    const error = await startError({
      serverProperties: { 'authorizer.class.name': 'no.such.Authorizer' },
    });
    expect(error.code).toBe('BROKER_NOT_READY');
    expect(error.message).toMatch(/node 1 exited \(code 1\)/);
    expect(error.message).toContain('ClassNotFoundException: no.such.Authorizer');
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  it('STORAGE_FORMAT_FAILED for settings Kafka rejects', async () => {
    const error = await startError({ serverProperties: { 'node.id': 'not-a-number' } });
    expect(error.code).toBe('STORAGE_FORMAT_FAILED');
    expect(error.message).toContain('Invalid value not-a-number');
    expect(error.message).toContain(EXISTING_BROKER_HINT);
  });

  it('INVALID_OPTIONS for a node count other than 1 or 3', async () => {
    const error = await startError({ nodes: 2 as 1 });
    expect(error.code).toBe('INVALID_OPTIONS');
    expect(error.message).toContain('nodes must be 1 or 3');
  });
});
