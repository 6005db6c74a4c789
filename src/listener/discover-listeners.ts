import {
  getClassMetadata,
  getPropertyDataFromClass,
  listModule,
  MS_CONSUMER_KEY,
  MSListenerType,
} from '@midwayjs/core';
import type { KafkaListenerOptions } from '../interface';
import type { ApplicationContainer } from '../midway/core-major';

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
function consumerClasses(container: ApplicationContainer): ListenerClass[] {
  const classes = new Set<ListenerClass>(
    listModule(MS_CONSUMER_KEY, isKafkaConsumer) as ListenerClass[],
  );
  const registry = (container as unknown as ContainerWithRegistry).registry;
  for (const definition of registry?.values?.() ?? []) {
    if (isKafkaConsumer(definition.path)) classes.add(definition.path as ListenerClass);
  }
  return [...classes];
}

/**
 * The `@KafkaListener` declarations on each method the class itself declares, in declaration
 * order. Read method by method: Midway 4's `listPropertyDataFromClass` throws for a class
 * without any, where Midway 3's returns an empty list.
 */
function declarationsOf(target: ListenerClass): KafkaListenerOptions[] {
  const declarations: KafkaListenerOptions[] = [];
  for (const method of Object.getOwnPropertyNames(target.prototype)) {
    const options = getPropertyDataFromClass(MS_CONSUMER_KEY, target, method) as
      KafkaListenerOptions[] | undefined;
    if (Array.isArray(options)) declarations.push(...options);
  }
  return declarations;
}

/** Finds every `@KafkaListener` method of every `@Consumer(MSListenerType.KAFKA)` class, in declaration order. */
export function discoverListeners(container: ApplicationContainer): DeclaredListener[] {
  const listeners: DeclaredListener[] = [];
  for (const target of consumerClasses(container)) {
    for (const options of declarationsOf(target)) {
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
  return listeners;
}
