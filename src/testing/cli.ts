import { parseArgs } from 'node:util';
import { LocalKafkaError } from './errors';
import { DEFAULT_KAFKA_VERSION } from './options';
import { stopAll } from './reaper';
import { prefetchKafka, startKafka } from './start-kafka';

const USAGE = `Usage: midway-kafka-broker [--nodes 1|3] [--kafka-version X] [--port N] [--resolve-only]

Starts a local Kafka in KRaft mode on 127.0.0.1 in the foreground, prints
KAFKA_BROKERS=127.0.0.1:PORT[,...] once it is ready and stops it on Ctrl+C (SIGINT) or SIGTERM.

  --nodes N          1 (default) or 3 nodes
  --kafka-version X  Kafka release (default ${DEFAULT_KAFKA_VERSION})
  --port N           client port of the first node (default: a free port)
  --resolve-only     only download and cache the jars, then exit
`;

interface CliOptions {
  nodes: 1 | 3;
  kafkaVersion?: string;
  port?: number;
  resolveOnly: boolean;
}

function parseCli(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      'kafka-version': { type: 'string' },
      port: { type: 'string' },
      'resolve-only': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const nodes = values.nodes === undefined ? 1 : Number(values.nodes);
  if (nodes !== 1 && nodes !== 3) throw new Error(`--nodes must be 1 or 3, got ${values.nodes}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port))
    throw new Error(`--port must be a number, got ${values.port}`);
  return {
    nodes,
    kafkaVersion: values['kafka-version'],
    port,
    resolveOnly: values['resolve-only'] ?? false,
  };
}

let shuttingDown = false;

async function main(argv: string[]): Promise<number> {
  let options: CliOptions | 'help';
  try {
    options = parseCli(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.resolveOnly) {
    await prefetchKafka({ kafkaVersion: options.kafkaVersion });
    process.stderr.write(
      `Kafka ${options.kafkaVersion ?? DEFAULT_KAFKA_VERSION} jars are cached.\n`,
    );
    return 0;
  }

  // Our own handlers: stop the brokers, then exit 0 — even when the signal comes during startup.
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) return;
    shuttingDown = true;
    process.stderr.write(`${signal}: stopping Kafka…\n`);
    void stopAll().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const kafka = await startKafka({
    nodes: options.nodes,
    kafkaVersion: options.kafkaVersion,
    port: options.port,
  });
  if (shuttingDown) return 0;
  process.stdout.write(`KAFKA_BROKERS=${kafka.brokers.join(',')}\n`);
  process.stderr.write(
    `Kafka ${kafka.kafkaVersion} is ready (${kafka.nodeIds.length} node(s), data in ${kafka.dataDir}). Press Ctrl+C to stop.\n`,
  );
  // Stay in the foreground until a signal arrives; the brokers themselves do not hold the loop.
  setInterval(() => undefined, 1 << 30);
  return new Promise<number>(() => undefined);
}

/** Runs the command with `argv` and exits the process when it is done. */
export function runCli(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    code => process.exit(code),
    (error: unknown) => {
      if (shuttingDown) return; // a signal interrupted the startup; its handler exits
      const message =
        error instanceof LocalKafkaError
          ? `${error.code}: ${error.message}`
          : String((error as Error)?.stack ?? error);
      process.stderr.write(`midway-kafka-broker: ${message}\n`);
      void stopAll().then(() => process.exit(1));
    },
  );
}

// Only as a program: Midway scans src/ of an app rooted here, and importing must not start a broker.
if (require.main === module) runCli();
