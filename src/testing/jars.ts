import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { localKafkaError } from './errors';
import { checkMaven } from './prerequisites';
import { runCommand, tailLines } from './run-command';

const SLF4J_VERSION = '2.0.17';
/** Pinned so Maven does not look up the newest plugin release on every cold run. */
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface ResolveJarsOptions {
  mavenCommand: string;
  cacheDir?: string;
}

/** Per-user cache for the resolved classpaths; the jars themselves live in the Maven repository. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'midway-kafka');
}

/**
 * A pom whose only job is to describe the broker's runtime: the server, the tools (console
 * producer/consumer, storage formatting) without Kafka Connect, and slf4j-simple so the broker
 * logs to a file. 3.9 ships a reload4j binding that would compete with it, so it is excluded.
 */
export function brokerPom(kafkaVersion: string): string {
  const exclusion = (groupId: string, artifactId: string) =>
    `<exclusion><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId></exclusion>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>midway-kafka.local</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>${kafkaVersion}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${kafkaVersion}</version>
      <exclusions>${exclusion('org.slf4j', 'slf4j-reload4j')}</exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>${kafkaVersion}</version>
      <exclusions>${exclusion('org.apache.kafka', 'connect-runtime')}${exclusion('org.slf4j', 'slf4j-reload4j')}</exclusions>
    </dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-api</artifactId><version>${SLF4J_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>${SLF4J_VERSION}</version></dependency>
  </dependencies>
</project>
`;
}

/** The cached classpath, if every jar it lists is still in the Maven repository. */
function readCachedClasspath(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const classpath = readFileSync(file, 'utf8').trim();
  const jars = classpath.split(':').filter(Boolean);
  if (jars.length === 0 || !jars.every(jar => existsSync(jar))) return undefined;
  return classpath;
}

/**
 * The Java classpath (colon-separated jars) for running Kafka `kafkaVersion`. Resolved once with
 * Maven into the user's Maven repository, then read from the cache; re-resolved if a jar vanished.
 */
export async function resolveKafkaClasspath(
  kafkaVersion: string,
  options: ResolveJarsOptions,
): Promise<string> {
  const versionDir = join(options.cacheDir ?? defaultCacheDir(), kafkaVersion);
  const classpathFile = join(versionDir, 'classpath.txt');
  const cached = readCachedClasspath(classpathFile);
  if (cached) return cached;

  await checkMaven(options.mavenCommand);
  mkdirSync(versionDir, { recursive: true });
  writeFileSync(join(versionDir, 'pom.xml'), brokerPom(kafkaVersion));
  // Each run writes its own output file, so concurrent resolutions never read a half-written one.
  const outputFile = join(versionDir, `classpath.${process.pid}.${Date.now()}.tmp`);
  const result = await runCommand(
    options.mavenCommand,
    ['-B', '-q', `${DEPENDENCY_PLUGIN}:build-classpath`, `-Dmdep.outputFile=${outputFile}`],
    { cwd: versionDir, timeoutMs: 15 * 60_000 },
  );
  const classpath = existsSync(outputFile) ? readFileSync(outputFile, 'utf8').trim() : '';
  if (result.code !== 0 || classpath === '') {
    rmSync(outputFile, { force: true });
    throw localKafkaError(
      'ARTIFACTS_UNRESOLVABLE',
      `Maven could not resolve the jars of Kafka ${kafkaVersion} (org.apache.kafka:kafka_2.13 and kafka-tools)`,
      'check that the version exists on Maven Central (e.g. 4.3.1 or 3.9.2) and that Maven can reach its repository (network, proxy, ~/.m2/settings.xml)',
      tailLines(`${result.stdout}\n${result.stderr}`, 15),
    );
  }
  renameSync(outputFile, classpathFile);
  return classpath;
}
