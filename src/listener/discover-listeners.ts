import {
  getClassMetadata,
  listModule,
  listPropertyDataFromClass,
  MS_CONSUMER_KEY,
  MSListenerType,
  type IMidwayContainer,
} from '@midwayjs/core';
import type { KafkaListenerOptions } from '../interface';

// Midway constructs consumer classes itself, so their constructor arguments are its business.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ListenerClass = new (...args: any[]) => object;

/** One `@KafkaListener` method, as declared. */
export interface DeclaredListener {
  /** `ClassName.method`, used in logs and errors. */
  readonly id: string;
  readonly target: ListenerClass;
  readonly propertyKey: string;
  readonly topic: string;
  readonly options: KafkaListenerOptions;
}

interface ConsumerClassMetadata {
  type?: string;
}

/** The part of Midway's container discovery reads: its registry of bound class definitions. */
interface ContainerWithRegistry {
  registry?: { values?(): Iterable<{ path?: unknown }> };
}

const isKafkaConsumer = (module: unknown): boolean =>
  typeof module === 'function' &&
  getClassMetadata<ConsumerClassMetadata>(MS_CONSUMER_KEY, module)?.type === MSListenerType.KAFKA;

/**
 * Every `@Consumer(MSListenerType.KAFKA)` class. `@Consumer` registers its class when the file is
 * first loaded, which a second app in the same process (tests, hot restarts) never sees again, so
 * the classes the container has bound for this app are read too.
 */
function consumerClasses(container: IMidwayContainer): ListenerClass[] {
  const classes = new Set<ListenerClass>(
    listModule(MS_CONSUMER_KEY, isKafkaConsumer) as ListenerClass[],
  );
  const registry = (container as unknown as ContainerWithRegistry).registry;
  for (const definition of registry?.values?.() ?? []) {
    if (isKafkaConsumer(definition.path)) classes.add(definition.path as ListenerClass);
  }
  return [...classes];
}

/** Finds every `@KafkaListener` method of every `@Consumer(MSListenerType.KAFKA)` class, in declaration order. */
export function discoverListeners(container: IMidwayContainer): DeclaredListener[] {
  const classes = consumerClasses(container);

  const listeners: DeclaredListener[] = [];
  for (const target of classes) {
    const perMethod = (listPropertyDataFromClass(MS_CONSUMER_KEY, target) ??
      []) as KafkaListenerOptions[][];
    for (const declarations of perMethod) {
      for (const options of declarations ?? []) {
        const propertyKey = String(options.propertyKey);
        listeners.push({
          id: `${target.name}.${propertyKey}`,
          target,
          propertyKey,
          topic: options.topic ?? '',
          options,
        });
      }
    }
  }
  return listeners;
}
