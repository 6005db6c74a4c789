import { startCluster, type LocalKafka } from './cluster';
import { resolveKafkaClasspath } from './jars';
import { resolveOptions, type StartKafkaOptions } from './options';
import { checkJava } from './prerequisites';

/**
 * Starts a real Kafka broker (or a 3-node cluster) in KRaft mode on 127.0.0.1 and resolves once
 * it answers metadata requests. Needs Java 17+ and, until the jars are cached, Maven.
 */
export async function startKafka(options?: StartKafkaOptions): Promise<LocalKafka> {
  const resolved = resolveOptions(options);
  await checkJava(resolved.javaCommand);
  const classpath = await resolveKafkaClasspath(resolved.kafkaVersion, resolved);
  return startCluster(resolved, classpath);
}

/** Downloads (once) and caches the jars of a Kafka version, e.g. to warm up a CI machine. */
export async function prefetchKafka(
  options: Pick<
    StartKafkaOptions,
    'kafkaVersion' | 'javaCommand' | 'mavenCommand' | 'cacheDir'
  > = {},
): Promise<string> {
  const resolved = resolveOptions(options);
  await checkJava(resolved.javaCommand);
  return resolveKafkaClasspath(resolved.kafkaVersion, resolved);
}
