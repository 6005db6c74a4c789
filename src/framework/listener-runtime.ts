import { getProviderUUId, MidwayInvokeForbiddenError } from '@midwayjs/core';
import type { IMidwayKafkaContext } from '../interface';
import type { ApplicationContainer } from '../midway/core-major';
import type { ContainerModel } from '../midway/container-model';
import type { InAsyncContext } from './async-context';
import type { PlannedListener } from '../listener/plan-groups';
import { resolveDeserializer } from '../consumer/deserialize';
import type { ListenerRuntime } from '../consumer/message-dispatcher';
import type { KafkaContext } from '../context/kafka-context';
import { compileRequestScope, type CreateInstance } from '../context/request-scope';
import { NO_LISTENER_OBSERVER } from '../observability/observer';
import { envelopeDeserializer } from '../envelope/envelope-deserializer';

type Invoke = (ctx: IMidwayKafkaContext) => Promise<unknown>;

/** What a listener needs from the framework: Midway's container, middleware chain (with filters) and guards. */
export interface MiddlewareHost {
  readonly applicationContext: ApplicationContainer;
  /** How this Midway makes request-scoped objects; undefined: only its request container may. */
  readonly containerModel: ContainerModel | undefined;
  /** Makes a message's context the current async context, where that is on and no chain runs. */
  readonly inAsyncContext?: InAsyncContext;
  applyMiddleware(last: Invoke): Promise<Invoke>;
  runGuard(
    ctx: IMidwayKafkaContext,
    target: PlannedListener['target'],
    method: string,
  ): Promise<boolean>;
  /** True when the class or method declares guards (`@UseGuard`); fixed once classes are loaded. */
  declaresGuards(target: PlannedListener['target'], method: string): boolean;
  /** True when global guards are registered (they may be added until the app is ready). */
  hasGlobalGuards(): boolean;
  /**
   * True when a message must go through Midway's composed chain: middleware or filters are
   * registered, the async context manager is on, or a test mocks the context.
   */
  needsChain(): boolean;
}

type Handler = (this: object, message: unknown, ctx: IMidwayKafkaContext) => unknown;
type Instance = Record<string, unknown>;

/**
 * Per message: guards, the class instance from the request scope (so `@Inject() ctx` works), then
 * `method(message, ctx)`, inside Midway's middleware chain. The chain is composed once, and
 * skipped when nothing is registered on it, since it then only adds cost. Without guards or a
 * chain, a synchronous handler costs no promise at all.
 */
export async function createListenerRuntime(
  host: MiddlewareHost,
  plan: PlannedListener,
): Promise<ListenerRuntime> {
  const { target, propertyKey } = plan;
  const declaresGuards = host.declaresGuards(target, propertyKey);
  // The container looks a class up by this id; resolving it once saves a metadata read per message.
  const providerId: string | undefined = getProviderUUId(target);
  const fromContainer = (ctx: KafkaContext) =>
    (providerId
      ? ctx.requestContext.getAsync<Instance>(providerId)
      : ctx.requestContext.getAsync(target)) as Promise<Instance>;
  // Compiled on the first message, when Midway would create the class's singletons too.
  // undefined: not compiled yet; null: the class needs Midway's container.
  let direct: CreateInstance | null | undefined;
  let compiling: Promise<void> | undefined;
  const instanceOf = (ctx: KafkaContext): Instance | Promise<Instance> => {
    if (direct) return direct(ctx) ?? fromContainer(ctx);
    if (direct === null || !providerId || !host.containerModel) return fromContainer(ctx);
    compiling ??= compileRequestScope(
      host.applicationContext,
      host.containerModel,
      providerId,
    ).then(
      create => void (direct = create ?? null),
      () => void (direct = null),
    );
    return compiling.then(() => instanceOf(ctx));
  };
  const call = (instance: Instance, ctx: KafkaContext): unknown => {
    const method = instance[propertyKey];
    if (typeof method !== 'function') {
      throw new TypeError(`${plan.id} is not a method; @KafkaListener must decorate a method.`);
    }
    // A batch listener gets the batch's messages; every other listener the one message.
    return (method as Handler).call(instance, ctx.messages ?? ctx.message, ctx.asContext());
  };
  const handleUnguarded = (ctx: KafkaContext): unknown => {
    const instance = instanceOf(ctx);
    return instance instanceof Promise
      ? instance.then(resolved => call(resolved, ctx))
      : call(instance, ctx);
  };
  const handle = (ctx: KafkaContext): unknown => {
    if (!declaresGuards && !host.hasGlobalGuards()) return handleUnguarded(ctx);
    return host.runGuard(ctx.asContext(), target, propertyKey).then(allowed => {
      if (!allowed) throw new MidwayInvokeForbiddenError(propertyKey, target);
      return handleUnguarded(ctx);
    });
  };
  let chained: Promise<Invoke> | undefined;
  const { inAsyncContext } = host;
  const handleAlone = inAsyncContext
    ? (ctx: KafkaContext) => inAsyncContext(ctx, handle as (ctx: object) => unknown)
    : handle;
  return {
    plan,
    deserializer: plan.envelope
      ? envelopeDeserializer(plan.envelope)
      : resolveDeserializer(plan.options.deserializer, `@KafkaListener on ${plan.id}`),
    observer: NO_LISTENER_OBSERVER,
    invoke: ctx => {
      if (!host.needsChain()) return handleAlone(ctx);
      chained ??= host.applyMiddleware(async chainCtx =>
        handle(chainCtx as unknown as KafkaContext),
      );
      return chained.then(run => run(ctx.asContext()));
    },
  };
}
