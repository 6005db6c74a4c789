import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localKafkaError } from './errors';
import { kafkaToolClasses, TOOL_JVM_OPTIONS } from './java-tools';
import { JvmProcess } from './node-process';
import type { ResolvedOptions } from './options';
import { assertPortFree, freePorts, LOCALHOST } from './ports';
import { waitUntilReady } from './readiness';
import { register, unregister, type Reapable } from './reaper';
import { headLines, runCommand, tailLines } from './run-command';
import { renderProperties, serverProperties, type NodeLayout } from './server-properties';

/** A running local Kafka cluster, as returned by `startKafka`. */
export interface LocalKafka {
  /** `127.0.0.1:PORT` of every node, in node id order. */
  readonly brokers: string[];
  readonly kafkaVersion: string;
  /** Node ids, 1…n. */
  readonly nodeIds: number[];
  /** Temporary directory holding every node's data and logs; removed by `stop()`. */
  readonly dataDir: string;
  /** Stops every node and removes the data; idempotent, concurrent calls share one promise. */
  stop(): Promise<void>;
  /** Stops one node (its data is kept so it can come back). */
  stopNode(id: number): Promise<void>;
  /** Starts a stopped node again and waits until the cluster lists it. */
  startNode(id: number): Promise<void>;
  /** The last lines of a node's log (broker log and JVM output), for diagnostics. */
  logTail(id: number, lines?: number): string;
}

/** Kafka takes a few seconds to shut down cleanly; after that it is killed. */
const SHUTDOWN_GRACE_MS = 15_000;
const LOG_TAIL_LINES = 30;

/**
 * The JVMs and watchdogs are unref'd so a forgotten broker cannot keep Node running; while we
 * wait on them, this timer keeps the event loop (and so the awaiting caller) alive.
 */
async function keepingAlive<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding. */
export function newClusterId(): string {
  // An id starting with '-' reads as an option to kafka-storage's argument parser (Kafka's own
  // Uuid.randomUuid avoids those for the same reason), so draw again.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function allocatePorts(nodes: number, firstBrokerPort?: number): Promise<NodeLayout[]> {
  const fixed =
    firstBrokerPort === undefined
      ? []
      : Array.from({ length: nodes }, (_, i) => firstBrokerPort + i);
  for (const port of fixed) await assertPortFree(port);
  const free = (await freePorts(nodes * 2 + fixed.length)).filter(port => !fixed.includes(port));
  const brokerPorts = fixed.length ? fixed : free.splice(0, nodes);
  return Array.from({ length: nodes }, (_, i) => ({
    id: i + 1,
    brokerPort: brokerPorts[i],
    controllerPort: free[i],
    dir: '',
    logDir: '',
  }));
}

class LocalKafkaCluster implements LocalKafka, Reapable {
  readonly brokers: string[];
  readonly nodeIds: number[];
  readonly kafkaVersion: string;
  private readonly processes = new Map<number, JvmProcess>();
  private stopping?: Promise<void>;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly classpath: string,
    private readonly layouts: NodeLayout[],
    readonly dataDir: string,
  ) {
    this.brokers = layouts.map(node => `${LOCALHOST}:${node.brokerPort}`);
    this.nodeIds = layouts.map(node => node.id);
    this.kafkaVersion = options.kafkaVersion;
  }

  private layout(id: number): NodeLayout {
    const node = this.layouts.find(n => n.id === id);
    if (!node) throw new Error(`No node ${id}: this cluster has nodes ${this.nodeIds.join(', ')}`);
    return node;
  }

  private propertiesFile(node: NodeLayout): string {
    return join(node.dir, 'server.properties');
  }

  /** Writes every node's server.properties and formats its KRaft storage (in parallel). */
  async prepare(): Promise<void> {
    const clusterId = newClusterId();
    await Promise.all(
      this.layouts.map(async node => {
        mkdirSync(node.logDir, { recursive: true });
        const properties = serverProperties(node, this.layouts, this.options.serverProperties);
        writeFileSync(this.propertiesFile(node), renderProperties(properties));
        const result = await runCommand(
          this.options.javaCommand,
          [
            '-cp',
            this.classpath,
            ...TOOL_JVM_OPTIONS,
            kafkaToolClasses(this.kafkaVersion).storageTool,
            'format',
            '-t',
            clusterId,
            '-c',
            this.propertiesFile(node),
          ],
          { timeoutMs: 120_000 },
        );
        if (result.code !== 0) {
          throw localKafkaError(
            'STORAGE_FORMAT_FAILED',
            `Formatting the KRaft storage of node ${node.id} failed (exit ${result.code ?? 'timeout'})`,
            'check the serverProperties you passed (the output below names the bad setting)',
            // A Java stack trace names the cause at its top, so show the head of the output.
            headLines(`${result.stdout}\n${result.stderr}`, LOG_TAIL_LINES),
          );
        }
      }),
    );
  }

  private launch(node: NodeLayout): JvmProcess {
    const jvm = new JvmProcess({
      command: this.options.javaCommand,
      args: [
        ...this.options.jvmOptions,
        `-Dorg.slf4j.simpleLogger.logFile=${join(node.dir, 'broker.log')}`,
        '-Dorg.slf4j.simpleLogger.showDateTime=true',
        '-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS',
        '-cp',
        this.classpath,
        kafkaToolClasses(this.kafkaVersion).broker,
        this.propertiesFile(node),
      ],
      cwd: node.dir,
      outputFile: join(node.dir, 'jvm-output.log'),
      nodeDir: node.dir,
      clusterDir: this.dataDir,
      graceMs: SHUTDOWN_GRACE_MS,
    });
    this.processes.set(node.id, jvm);
    return jvm;
  }

  /** Starts the given nodes and waits until the cluster lists every running node. */
  launchAndWait(ids: number[]): Promise<void> {
    return keepingAlive(this.launchAndWaitNow(ids));
  }

  private async launchAndWaitNow(ids: number[]): Promise<void> {
    await Promise.all(ids.map(id => this.launch(this.layout(id)).started)).catch((error: Error) => {
      throw localKafkaError(
        'BROKER_NOT_READY',
        `The Kafka JVM could not be started (${error.message})`,
        `check that "${this.options.javaCommand}" runs`,
      );
    });
    const running = this.layouts.filter(node => this.processes.has(node.id));
    const result = await waitUntilReady({
      brokers: running.map(node => `${LOCALHOST}:${node.brokerPort}`),
      nodeIds: running.map(node => node.id),
      timeoutMs: this.options.readinessTimeoutMs,
      failure: () => {
        for (const id of ids) {
          const exit = this.processes.get(id)?.exit;
          if (exit)
            return `node ${id} exited (${exit.code !== null ? `code ${exit.code}` : exit.signal}) before answering`;
        }
        return undefined;
      },
    });
    if (!result.ready) {
      const tails = ids.map(id => this.logTail(id, LOG_TAIL_LINES)).join('\n');
      throw localKafkaError(
        'BROKER_NOT_READY',
        `The local Kafka ${this.kafkaVersion} broker did not become ready: ${result.reason}`,
        'read the broker log below; raise readinessTimeoutMs on a slow machine, check serverProperties',
        tails,
      );
    }
  }

  logTail(id: number, lines = LOG_TAIL_LINES): string {
    const node = this.layout(id);
    const parts: string[] = [];
    for (const name of ['broker.log', 'jvm-output.log']) {
      const file = join(node.dir, name);
      const text = existsSync(file) ? tailLines(readFileSync(file, 'utf8'), lines) : '';
      parts.push(`--- last lines of node ${id} ${name} ---\n${text || '(empty)'}`);
    }
    return parts.join('\n');
  }

  async stopNode(id: number): Promise<void> {
    this.layout(id);
    const jvm = this.processes.get(id);
    if (!jvm) return;
    await keepingAlive(jvm.stop());
    this.processes.delete(id);
  }

  async startNode(id: number): Promise<void> {
    this.layout(id);
    if (this.stopping) throw new Error('This Kafka cluster has been stopped');
    if (this.processes.has(id)) return;
    await this.launchAndWait([id]);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await keepingAlive(Promise.all([...this.processes.values()].map(jvm => jvm.stop())));
      this.processes.clear();
      rmSync(this.dataDir, { recursive: true, force: true, maxRetries: 3 });
      unregister(this);
    })();
    return this.stopping;
  }

  killSync(): void {
    for (const jvm of this.processes.values()) jvm.killJvmSync();
    try {
      rmSync(this.dataDir, { recursive: true, force: true });
    } catch {
      // The watchdogs remove what is left.
    }
  }
}

/** Creates, formats and starts a cluster; on any failure everything started so far is stopped. */
export async function startCluster(
  options: ResolvedOptions,
  classpath: string,
): Promise<LocalKafka> {
  const layouts = await allocatePorts(options.nodes, options.port);
  const dataDir = mkdtempSync(join(tmpdir(), 'midway-kafka-'));
  for (const node of layouts) {
    node.dir = join(dataDir, `node-${node.id}`);
    node.logDir = join(node.dir, 'data');
  }
  const cluster = new LocalKafkaCluster(options, classpath, layouts, dataDir);
  register(cluster);
  try {
    await cluster.prepare();
    await cluster.launchAndWait(cluster.nodeIds);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
