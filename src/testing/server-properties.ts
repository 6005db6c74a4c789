import { LOCALHOST } from './ports';

/** The ports and directory of one KRaft node (broker and controller in one JVM). */
export interface NodeLayout {
  id: number;
  brokerPort: number;
  controllerPort: number;
  /** Holds server.properties, the logs and the data of this node. */
  dir: string;
  logDir: string;
}

/**
 * Test-friendly settings for a node in KRaft combined mode: static controller quorum, listeners
 * on 127.0.0.1 only, internal topics replicated as much as the cluster allows, no delay before
 * the first rebalance. `overrides` (the caller's serverProperties) win over every default.
 */
export function serverProperties(
  node: NodeLayout,
  cluster: NodeLayout[],
  overrides: Record<string, string>,
): Record<string, string> {
  const replication = String(Math.min(3, cluster.length));
  const minIsr = cluster.length >= 3 ? '2' : '1';
  return {
    'process.roles': 'broker,controller',
    'node.id': String(node.id),
    'controller.quorum.voters': cluster
      .map(n => `${n.id}@${LOCALHOST}:${n.controllerPort}`)
      .join(','),
    listeners: `PLAINTEXT://${LOCALHOST}:${node.brokerPort},CONTROLLER://${LOCALHOST}:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${LOCALHOST}:${node.brokerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': node.logDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': replication,
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': replication,
    'transaction.state.log.min.isr': minIsr,
    'transaction.state.log.num.partitions': '1',
    // Kafka 4.x share groups keep their state in another internal topic; 3.9 ignores these.
    'share.coordinator.state.topic.replication.factor': replication,
    'share.coordinator.state.topic.min.isr': minIsr,
    'share.coordinator.state.topic.num.partitions': '1',
    'group.initial.rebalance.delay.ms': '0',
    // Several JVMs share two cores on a CI machine: a node busy with GC must not be fenced or
    // trigger controller elections for a pause of a few seconds. Clean stops are unaffected.
    'broker.session.timeout.ms': '30000',
    'controller.quorum.election.timeout.ms': '3000',
    'controller.quorum.fetch.timeout.ms': '6000',
    ...overrides,
  };
}

/** Renders properties in java.util.Properties syntax, escaping what that format requires. */
export function renderProperties(properties: Record<string, string>): string {
  const escape = (text: string, isKey: boolean) =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(isKey ? /([=: ])/g : /^( )/, '\\$1');
  return (
    Object.entries(properties)
      .map(([key, value]) => `${escape(key, true)}=${escape(value, false)}`)
      .join('\n') + '\n'
  );
}
