import {
  CONTAINER_OBJ_SCOPE,
  ObjectLifeCycleEvent,
  REQUEST_CTX_KEY,
  REQUEST_OBJ_CTX_KEY,
  ScopeEnum,
  type IMidwayContainer,
  type IObjectDefinition,
} from '@midwayjs/core';
import type { ApplicationContainer } from '../midway/core-major';
import type { ContainerModel } from '../midway/container-model';
import type { KafkaContext } from './kafka-context';

/** Makes the request-scoped instance of a listener class for one delivery. */
export type CreateInstance = (ctx: KafkaContext) => Record<string, unknown> | undefined;

/** How one injected property gets its value for a delivery. */
type Resolve = (ctx: KafkaContext) => unknown;

interface Recipe {
  readonly definition: IObjectDefinition;
  readonly Class: new () => Record<PropertyKey, unknown>;
  readonly properties: readonly (readonly [key: string, resolve: Resolve])[];
}

/** The containers this compiles for, with the model of how their Midway makes objects. */
interface Compiler {
  readonly container: ApplicationContainer;
  readonly model: ContainerModel;
  readonly events: LifecycleEvents;
}

// Read once: @midwayjs/core's exports are getters, too slow for per-message use.
const BEFORE_CREATED = ObjectLifeCycleEvent.BEFORE_CREATED;
const AFTER_CREATED = ObjectLifeCycleEvent.AFTER_CREATED;
const AFTER_INIT = ObjectLifeCycleEvent.AFTER_INIT;
/** Where an instance made here keeps its context (a symbol: never enumerated or serialised). */
const OWN_CTX = Symbol('midway-kafka:request-ctx');

/** Identifiers a Midway request container registers for itself. */
const REQUEST_OWN = new Map<string, Resolve>([
  [REQUEST_CTX_KEY, ctx => ctx],
  ['logger', ctx => ctx.logger],
]);

/**
 * Midway builds a request container per request and creates the request-scoped objects through
 * it; per Kafka message that costs more than kafkajs spends fetching and decoding the message.
 * For the plain classes nearly every listener is, this does the same work directly: the class is
 * constructed, `_req_ctx` and the scope marker set, properties injected (ctx, logger, singletons,
 * registered objects, other plain request-scoped classes, each made once per delivery) and the
 * container's lifecycle events emitted, so `@Config`, `@Logger` and custom property decorators
 * still apply. The objects are handed to the request container if the delivery ever opens one.
 *
 * Returns undefined when the class needs more than that (an `@Init` method, constructor
 * arguments, `dependsOn`, prototype-scoped, lazy or circular dependencies, an unknown
 * identifier): such classes go through Midway's container as usual. Singletons are looked up on
 * first use. Midway 3 and 4 make these objects in slightly different ways; `model` says which.
 */
export async function compileRequestScope(
  container: ApplicationContainer,
  model: ContainerModel,
  id: string,
): Promise<CreateInstance | undefined> {
  const compiler: Compiler = { container, model, events: lifecycleEventsOf(container) };
  const recipe = await compile(compiler, id, new Set());
  if (!recipe) return undefined;
  const { events } = compiler;
  if (!model.afterInitWithRequested) {
    return ctx => (ctx.hasNoRequestContainer() ? create(recipe, ctx, events) : undefined);
  }
  return ctx => (ctx.hasNoRequestContainer() ? createRequested(recipe, ctx, events) : undefined);
}

async function compile(
  compiler: Compiler,
  id: string,
  compiling: Set<string>,
): Promise<Recipe | undefined> {
  const definition = compiler.container.registry.getDefinition(id);
  if (!isPlainRequestScoped(definition) || compiling.has(id)) return undefined;
  const injections = compiler.model.injections(definition);
  if (!injections) return undefined;
  compiling.add(id);
  const properties: [string, Resolve][] = [];
  for (const { property, id: dependency } of injections) {
    const resolve = await resolverFor(compiler, dependency, compiling);
    if (!resolve) return undefined;
    properties.push([property, resolve]);
  }
  compiling.delete(id);
  const Class = definition.creator.load();
  exposeRequestMarkers(Class.prototype);
  return { definition, Class, properties };
}

function isPlainRequestScoped(definition: IObjectDefinition | undefined): boolean {
  return (
    definition !== undefined &&
    definition.isRequestScope() &&
    // Midway only gives ObjectDefinitions their `_req_ctx`; other kinds are made differently.
    definition.constructor.name === 'ObjectDefinition' &&
    !definition.hasDependsOn() &&
    !definition.hasConstructorArgs() &&
    !definition.constructMethod &&
    !definition.initMethod
  );
}

async function resolverFor(
  compiler: Compiler,
  name: string,
  compiling: Set<string>,
): Promise<Resolve | undefined> {
  const own = REQUEST_OWN.get(name);
  if (own) return own;
  const { container, model, events } = compiler;
  const definition = container.registry.getDefinition(name);
  // Registered objects and definitions, in the order this Midway's containers look them up.
  const definitionFirst = definition && (model.definitionsFirst || definition.isRequestScope());
  if (!definitionFirst && container.registry.hasObject(name)) {
    return () => container.registry.getObject(name);
  }
  // Unknown: Midway reports it (a missing import, say) with its own error.
  if (!definition) return undefined;
  if (definition.isSingletonScope()) {
    const singleton: unknown = await container.getAsync(name);
    return () => singleton;
  }
  const dependency = await compile(compiler, name, compiling);
  if (!dependency) return undefined;
  return ctx => ctx.earlyObject(name) ?? create(dependency, ctx, events);
}

/**
 * The steps of Midway's object creation for a plain request-scoped class: Midway 3's
 * `ManagedResolverFactory.createAsync`, and Midway 4's `createInstance` with its init queue.
 */
function create(
  recipe: Recipe,
  ctx: KafkaContext,
  events: LifecycleEvents,
): Record<string, unknown> {
  const { definition, Class } = recipe;
  if (events.listened.has(BEFORE_CREATED)) {
    events.target.emit(BEFORE_CREATED, Class, new LifecycleEvent(ctx, definition));
  }
  let instance: Record<PropertyKey, unknown> = new Class();
  instance[OWN_CTX] = ctx;
  for (const [key, resolve] of recipe.properties) instance[key] = resolve(ctx);
  if (events.listened.has(AFTER_CREATED)) {
    const created = new LifecycleEvent(ctx, definition);
    events.target.emit(AFTER_CREATED, instance, created);
    instance = created.replacement ?? instance;
  }
  if (events.listened.has(AFTER_INIT)) {
    if (pendingInits) pendingInits.push(definition);
    else events.target.emit(AFTER_INIT, instance, new LifecycleEvent(ctx, definition));
  }
  ctx.registerEarly(definition.id, instance);
  return instance;
}

/** While Midway 4's way is followed: the definitions made so far whose init event is due. */
let pendingInits: IObjectDefinition[] | undefined;

/**
 * Midway 4 emits `afterObjectInit` for every object of a creation at its end, each time with the
 * object asked for. Creation is synchronous, so the objects of one are collected in a variable.
 */
function createRequested(
  recipe: Recipe,
  ctx: KafkaContext,
  events: LifecycleEvents,
): Record<string, unknown> {
  if (!events.listened.has(AFTER_INIT)) return create(recipe, ctx, events);
  const outer = pendingInits;
  const pending: IObjectDefinition[] = [];
  pendingInits = pending;
  let instance: Record<string, unknown>;
  try {
    instance = create(recipe, ctx, events);
  } finally {
    pendingInits = outer;
  }
  for (const definition of pending) {
    events.target.emit(AFTER_INIT, instance, new LifecycleEvent(ctx, definition));
  }
  return instance;
}

/** A container's object lifecycle events, and which of them anyone listens to. */
interface LifecycleEvents {
  readonly target: ApplicationContainer['objectCreateEventTarget'];
  readonly listened: ReadonlySet<string | symbol>;
}

const lifecycleEvents = new WeakMap<ApplicationContainer, LifecycleEvents>();

/** Kept current by the emitter's own add/remove events rather than a lookup per object. */
function lifecycleEventsOf(container: ApplicationContainer): LifecycleEvents {
  let events = lifecycleEvents.get(container);
  if (events) return events;
  const target = container.objectCreateEventTarget;
  const listened = new Set<string | symbol>(
    [BEFORE_CREATED, AFTER_CREATED, AFTER_INIT].filter(name => target.listenerCount(name) > 0),
  );
  target.on('newListener', (name: string | symbol) => listened.add(name));
  target.on('removeListener', (name: string | symbol) => {
    if (target.listenerCount(name) === 0) listened.delete(name);
  });
  events = { target, listened };
  lifecycleEvents.set(container, events);
  return events;
}

/**
 * Midway marks each request-scoped instance with its context (`_req_ctx`, read by aspects, for
 * one) and its scope, as non-enumerable own properties. `Object.defineProperty` per message costs
 * more than everything else here together, so instances made here get both from their class's
 * prototype instead, as non-enumerable accessors; instances Midway makes still get their own.
 */
function exposeRequestMarkers(prototype: object): void {
  if (Object.prototype.hasOwnProperty.call(prototype, OWN_CTX)) return;
  Object.defineProperties(prototype, {
    [OWN_CTX]: { value: undefined, writable: true, enumerable: false },
    [REQUEST_OBJ_CTX_KEY]: {
      get(this: Record<symbol, unknown>) {
        return this[OWN_CTX];
      },
      enumerable: false,
      configurable: true,
    },
    [CONTAINER_OBJ_SCOPE]: { value: ScopeEnum.Request, enumerable: false, configurable: true },
  });
}

/**
 * The options Midway passes to object lifecycle listeners. `context` (the request container) is
 * only built if a listener reads it.
 */
class LifecycleEvent {
  replacement: Record<string, unknown> | undefined;

  get constructorArgs(): unknown[] {
    return [];
  }

  /** Made on demand: few listeners replace the instance. */
  get replaceCallback(): (instance: Record<string, unknown>) => void {
    return instance => {
      this.replacement = instance;
    };
  }

  constructor(
    private readonly ctx: KafkaContext,
    readonly definition: IObjectDefinition,
  ) {}

  get context(): IMidwayContainer {
    return this.ctx.requestContext;
  }
}
