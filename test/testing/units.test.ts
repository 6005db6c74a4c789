import { newClusterId } from '../../src/testing/cluster';
import { brokerPom } from '../../src/testing/jars';
import { kafkaToolClasses } from '../../src/testing/java-tools';
import { resolveOptions } from '../../src/testing/options';
import { parseJavaMajorVersion } from '../../src/testing/prerequisites';
import {
  renderProperties,
  serverProperties,
  type NodeLayout,
} from '../../src/testing/server-properties';

const node = (id: number): NodeLayout => ({
  id,
  brokerPort: 9000 + id,
  controllerPort: 9100 + id,
  dir: `/data/node-${id}`,
  logDir: `/data/node-${id}/data`,
});

describe('local broker helper internals', () => {
  it('reads Java major versions in both styles', () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajorVersion('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajorVersion('openjdk version "24-ea" 2025-03-18')).toBe(24);
    expect(parseJavaMajorVersion('no version here')).toBeUndefined();
  });

  it('replicates internal topics as far as the node count allows', () => {
    const single = serverProperties(node(1), [node(1)], {});
    expect(single['offsets.topic.replication.factor']).toBe('1');
    expect(single['transaction.state.log.min.isr']).toBe('1');
    expect(single['controller.quorum.voters']).toBe('1@127.0.0.1:9101');
    expect(single['group.initial.rebalance.delay.ms']).toBe('0');

    const cluster = [node(1), node(2), node(3)];
    const second = serverProperties(node(2), cluster, { 'auto.create.topics.enable': 'false' });
    expect(second['node.id']).toBe('2');
    expect(second['offsets.topic.replication.factor']).toBe('3');
    expect(second['transaction.state.log.min.isr']).toBe('2');
    expect(second['controller.quorum.voters']).toBe(
      '1@127.0.0.1:9101,2@127.0.0.1:9102,3@127.0.0.1:9103',
    );
    expect(second.listeners).toBe('PLAINTEXT://127.0.0.1:9002,CONTROLLER://127.0.0.1:9102');
    expect(second['auto.create.topics.enable']).toBe('false');
  });

  it('writes java.util.Properties syntax', () => {
    expect(renderProperties({ a: 'b', 'sasl.jaas.config': 'x y=z;\nnext', 'k=1': ' v' })).toBe(
      'a=b\nsasl.jaas.config=x y=z;\\nnext\nk\\=1=\\ v\n',
    );
  });

  it('excludes Connect and the reload4j binding from the broker pom', () => {
    const pom = brokerPom('3.9.2');
    expect(pom).toContain('<artifactId>kafka_2.13</artifactId><version>3.9.2</version>');
    expect(pom).toContain('<artifactId>connect-runtime</artifactId>');
    expect(pom).toContain('<artifactId>slf4j-reload4j</artifactId>');
    expect(pom).toContain('<artifactId>slf4j-simple</artifactId>');
  });

  it('knows where the console producer lives in each major version', () => {
    expect(kafkaToolClasses('4.3.1').consoleProducer).toBe(
      'org.apache.kafka.tools.ConsoleProducer',
    );
    expect(kafkaToolClasses('3.9.2').consoleProducer).toBe('kafka.tools.ConsoleProducer');
    expect(kafkaToolClasses('3.9.2').consoleConsumer).toBe(
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
    );
  });

  it('rejects options that cannot work', () => {
    expect(() => resolveOptions({ kafkaVersion: '4.3.1</version>' })).toThrow(/not a version/);
    expect(() => resolveOptions({ port: 70000 })).toThrow(/not a usable TCP port/);
    expect(resolveOptions({}).nodes).toBe(1);
  });
});

describe('newClusterId', () => {
  it('never starts with "-", which kafka-storage would read as an option', () => {
    const ids = Array.from({ length: 5000 }, () => newClusterId());
    expect(ids.filter(id => id.startsWith('-'))).toEqual([]);
    expect(ids.every(id => /^[A-Za-z0-9_-]{22}$/.test(id))).toBe(true);
  });
});
