import { localKafkaError } from './errors';
import { CommandNotFoundError, runCommand, tailLines } from './run-command';

/** Kafka 4.x brokers need Java 17; 3.9 would run on 11, but one floor keeps things simple. */
export const MINIMUM_JAVA_MAJOR = 17;

/** Reads the major version from `java -version` output ("1.8.0_392" → 8, "17.0.15" → 17). */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "([^"]+)"/.exec(versionOutput);
  if (!match) return undefined;
  const parts = match[1].split(/[.+_-]/).map(part => Number.parseInt(part, 10));
  const major = parts[0] === 1 ? parts[1] : parts[0];
  return Number.isFinite(major) ? major : undefined;
}

/** Fails with JAVA_MISSING or JAVA_TOO_OLD unless `javaCommand` is Java 17 or newer. */
export async function checkJava(javaCommand: string): Promise<number> {
  const fix = `install a Java ${MINIMUM_JAVA_MAJOR}+ JDK or JRE and put it on PATH (or set JAVA_HOME)`;
  let output: string;
  try {
    const result = await runCommand(javaCommand, ['-version'], { timeoutMs: 30_000 });
    output = `${result.stderr}\n${result.stdout}`;
    if (result.code !== 0) {
      throw localKafkaError(
        'JAVA_MISSING',
        `"${javaCommand} -version" failed`,
        fix,
        tailLines(output, 10),
      );
    }
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw localKafkaError(
        'JAVA_MISSING',
        `Java was not found ("${javaCommand}" could not be run: ${error.spawnError.code})`,
        fix,
      );
    }
    throw error;
  }
  const major = parseJavaMajorVersion(output);
  if (major === undefined) {
    throw localKafkaError(
      'JAVA_MISSING',
      `Could not read the Java version from "${javaCommand} -version"`,
      fix,
      tailLines(output, 5),
    );
  }
  if (major < MINIMUM_JAVA_MAJOR) {
    throw localKafkaError(
      'JAVA_TOO_OLD',
      `Java ${major} found ("${javaCommand}"), but the local Kafka broker needs Java ${MINIMUM_JAVA_MAJOR} or newer`,
      fix,
    );
  }
  return major;
}

/** Fails with MAVEN_MISSING unless `mavenCommand -v` runs. */
export async function checkMaven(mavenCommand: string): Promise<void> {
  const fix = 'install Apache Maven 3.6+ and put "mvn" on PATH (it downloads the Kafka jars once)';
  try {
    const result = await runCommand(mavenCommand, ['-v'], { timeoutMs: 60_000 });
    if (result.code !== 0) {
      throw localKafkaError(
        'MAVEN_MISSING',
        `"${mavenCommand} -v" failed`,
        fix,
        tailLines(`${result.stdout}\n${result.stderr}`, 10),
      );
    }
  } catch (error) {
    if (error instanceof CommandNotFoundError) {
      throw localKafkaError(
        'MAVEN_MISSING',
        `Maven was not found ("${mavenCommand}" could not be run: ${error.spawnError.code})`,
        fix,
      );
    }
    throw error;
  }
}
