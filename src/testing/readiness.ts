import { Kafka, logLevel } from 'kafkajs';

export interface ReadinessCheck {
  brokers: string[];
  /** Every one of these node ids must be registered (and so unfenced) in the metadata. */
  nodeIds: number[];
  timeoutMs: number;
  /** Returns a reason to give up at once, e.g. "node 2 exited with code 1". */
  failure?: () => string | undefined;
}

export type ReadinessResult = { ready: true } | { ready: false; reason: string };

const POLL_INTERVAL_MS = 200;

/** One metadata round trip: which brokers the cluster lists and whether it has a controller. */
async function describeCluster(
  brokers: string[],
): Promise<{ nodeIds: number[]; controller: number | null }> {
  const admin = new Kafka({
    clientId: 'midway-kafka-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { nodeIds: cluster.brokers.map(b => b.nodeId), controller: cluster.controller };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Polls metadata until every node is listed and a controller is known; never a fixed sleep. */
export async function waitUntilReady(check: ReadinessCheck): Promise<ReadinessResult> {
  const deadline = Date.now() + check.timeoutMs;
  let lastProblem = 'no answer yet';
  for (;;) {
    const failure = check.failure?.();
    if (failure) return { ready: false, reason: failure };
    try {
      // Ask every node: each one's metadata must list all nodes, or a client that happens to
      // bootstrap from a node that is behind sees a smaller cluster.
      let problem: string | undefined;
      for (const broker of check.brokers) {
        const cluster = await describeCluster([broker]);
        const missing = check.nodeIds.filter(id => !cluster.nodeIds.includes(id));
        if (missing.length > 0)
          problem = `${broker} does not list node(s) ${missing.join(', ')} yet`;
        else if (cluster.controller === null || cluster.controller < 0)
          problem = 'no controller elected yet';
        if (problem) break;
      }
      if (!problem) return { ready: true };
      lastProblem = problem;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      return {
        ready: false,
        reason: `it did not answer metadata requests within ${check.timeoutMs} ms (last: ${lastProblem})`,
      };
    }
    await new Promise(resolve => setTimeout(resolve, Math.min(POLL_INTERVAL_MS, remaining)));
  }
}
