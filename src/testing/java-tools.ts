import { defaultJavaCommand, DEFAULT_KAFKA_VERSION } from './options';
import { resolveKafkaClasspath } from './jars';

/** Main classes of the Kafka command-line tools, which moved between packages over releases. */
export interface KafkaToolClasses {
  broker: string;
  storageTool: string;
  consoleProducer: string;
  consoleConsumer: string;
  producerPerformance: string;
}

function majorVersion(kafkaVersion: string): number {
  return Number.parseInt(kafkaVersion.split('.')[0], 10);
}

export function kafkaToolClasses(kafkaVersion: string = DEFAULT_KAFKA_VERSION): KafkaToolClasses {
  const modern = majorVersion(kafkaVersion) >= 4;
  return {
    broker: 'kafka.Kafka',
    storageTool: 'kafka.tools.StorageTool',
    consoleProducer: modern
      ? 'org.apache.kafka.tools.ConsoleProducer'
      : 'kafka.tools.ConsoleProducer',
    consoleConsumer: 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    producerPerformance: 'org.apache.kafka.tools.ProducerPerformance',
  };
}

export interface JavaToolOptions {
  /** Kafka release whose jars to use (default {@link DEFAULT_KAFKA_VERSION}). */
  kafkaVersion?: string;
  javaCommand?: string;
  mavenCommand?: string;
  cacheDir?: string;
  /** JVM options placed before the main class (default: a small heap, warnings-only logging). */
  jvmOptions?: string[];
}

export interface JavaToolCommand {
  /** The java executable. */
  command: string;
  /** `-cp <classpath> <jvmOptions…> <mainClass> <args…>`, ready for child_process.spawn. */
  args: string[];
  classpath: string;
}

/** Tools log through slf4j-simple to stderr; warnings only, so their stdout stays the data. */
export const TOOL_JVM_OPTIONS = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];

/**
 * The command that runs a Kafka Java tool (e.g. `kafkaToolClasses(v).producerPerformance`)
 * from the same jars as the local broker, resolving them with Maven on first use.
 */
export async function javaToolCommand(
  mainClass: string,
  args: string[] = [],
  options: JavaToolOptions = {},
): Promise<JavaToolCommand> {
  const classpath = await resolveKafkaClasspath(options.kafkaVersion ?? DEFAULT_KAFKA_VERSION, {
    mavenCommand: options.mavenCommand ?? 'mvn',
    cacheDir: options.cacheDir,
  });
  return {
    command: options.javaCommand ?? defaultJavaCommand(),
    args: ['-cp', classpath, ...(options.jvmOptions ?? TOOL_JVM_OPTIONS), mainClass, ...args],
    classpath,
  };
}
