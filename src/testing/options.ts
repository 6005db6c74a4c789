import { localKafkaError } from './errors';

/** The newest Kafka release on Maven Central that the test suite passes against. */
export const DEFAULT_KAFKA_VERSION = '4.3.1';

/** Releases the suite is run against in CI. */
export const TESTED_KAFKA_VERSIONS = ['4.3.1', '3.9.2'] as const;

export interface StartKafkaOptions {
  /** 1 (default) or 3 KRaft nodes, each both broker and controller. */
  nodes?: 1 | 3;
  /** Kafka release to run, e.g. `3.9.2`; defaults to {@link DEFAULT_KAFKA_VERSION}. */
  kafkaVersion?: string;
  /** Client port of the first node (the others use the next ports); default: free ports. */
  port?: number;
  /** Extra or overriding broker settings, written into every node's server.properties. */
  serverProperties?: Record<string, string | number | boolean>;
  /** How long to wait until every node answers metadata requests (default 90 s). */
  readinessTimeoutMs?: number;
  /** Java launcher (default: `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java`). */
  javaCommand?: string;
  /** Maven launcher (default `mvn`); only needed while the jars are not cached yet. */
  mavenCommand?: string;
  /** Where resolved classpaths are cached (default `$XDG_CACHE_HOME/midway-kafka` or `~/.cache/midway-kafka`). */
  cacheDir?: string;
  /** JVM options per node (default: a modest heap and the serial collector). */
  jvmOptions?: string[];
}

export interface ResolvedOptions {
  nodes: 1 | 3;
  kafkaVersion: string;
  port?: number;
  serverProperties: Record<string, string>;
  readinessTimeoutMs: number;
  javaCommand: string;
  mavenCommand: string;
  cacheDir?: string;
  jvmOptions: string[];
}

/** Light on a small CI machine: several JVMs (brokers, console tools) share two cores. */
export const DEFAULT_JVM_OPTIONS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-Djava.awt.headless=true',
];

const VERSION_PATTERN = /^[0-9][0-9A-Za-z.\-_]*$/;

export function defaultJavaCommand(): string {
  const javaHome = process.env.JAVA_HOME;
  return javaHome ? `${javaHome.replace(/\/+$/, '')}/bin/java` : 'java';
}

/** Checks the caller's options and fills in the defaults. */
export function resolveOptions(options: StartKafkaOptions = {}): ResolvedOptions {
  const nodes = options.nodes ?? 1;
  if (nodes !== 1 && nodes !== 3) {
    throw invalid(`nodes must be 1 or 3, got ${String(nodes)}`, 'pass nodes: 1 or nodes: 3');
  }
  const kafkaVersion = options.kafkaVersion ?? DEFAULT_KAFKA_VERSION;
  if (!VERSION_PATTERN.test(kafkaVersion)) {
    throw invalid(
      `kafkaVersion "${kafkaVersion}" is not a version`,
      'pass a release such as 4.3.1',
    );
  }
  const { port } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65533)) {
    throw invalid(
      `port ${String(port)} is not a usable TCP port`,
      'pass a port between 1024 and 65533 or leave it out',
    );
  }
  const serverProperties: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.serverProperties ?? {})) {
    serverProperties[key] = String(value);
  }
  return {
    nodes,
    kafkaVersion,
    port,
    serverProperties,
    readinessTimeoutMs: options.readinessTimeoutMs ?? 90_000,
    javaCommand: options.javaCommand ?? defaultJavaCommand(),
    mavenCommand: options.mavenCommand ?? 'mvn',
    cacheDir: options.cacheDir,
    jvmOptions: options.jvmOptions ?? DEFAULT_JVM_OPTIONS,
  };
}

function invalid(problem: string, fix: string) {
  return localKafkaError('INVALID_OPTIONS', `Invalid startKafka options: ${problem}`, fix);
}
