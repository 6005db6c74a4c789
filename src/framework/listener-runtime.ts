import { getProviderUUId, MidwayInvokeForbiddenError } from '@midwayjs/core';
import type { IMidwayKafkaContext } from '../interface';
import type { PlannedListener } from '../listener/plan-groups';
import { resolveDeserializer } from '../consumer/deserialize';
import type { ListenerRuntime } from '../consumer/message-dispatcher';

type Invoke = (ctx: IMidwayKafkaContext) => Promise<unknown>;

/** What a listener needs from the framework: Midway's middleware chain (with filters) and guards. */
export interface MiddlewareHost {
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

/**
 * Per message: guards, the class instance from the request container (so `@Inject() ctx` works),
 * then `method(message, ctx)`, inside Midway's middleware chain. The chain is composed once, and
 * skipped when nothing is registered on it, since it then only adds cost.
 */
export async function createListenerRuntime(
  host: MiddlewareHost,
  plan: PlannedListener,
): Promise<ListenerRuntime> {
  const { target, propertyKey } = plan;
  const declaresGuards = host.declaresGuards(target, propertyKey);
  // The container looks a class up by this id; resolving it once saves a metadata read per message.
  const providerId: string | undefined = getProviderUUId(target);
  const instanceOf = (ctx: IMidwayKafkaContext) =>
    (providerId
      ? ctx.requestContext.getAsync<Record<string, unknown>>(providerId)
      : ctx.requestContext.getAsync(target)) as Promise<Record<string, unknown>>;
  const handle: Invoke = async ctx => {
    const guarded = declaresGuards || host.hasGlobalGuards();
    if (guarded && !(await host.runGuard(ctx, target, propertyKey))) {
      throw new MidwayInvokeForbiddenError(propertyKey, target);
    }
    const instance = await instanceOf(ctx);
    const method = instance[propertyKey];
    if (typeof method !== 'function') {
      throw new TypeError(`${plan.id} is not a method; @KafkaListener must decorate a method.`);
    }
    return (method as Handler).call(instance, ctx.message, ctx);
  };
  let chained: Promise<Invoke> | undefined;
  return {
    plan,
    deserializer: resolveDeserializer(plan.options.deserializer, `@KafkaListener on ${plan.id}`),
    invoke: ctx => {
      if (!host.needsChain()) return handle(ctx);
      chained ??= host.applyMiddleware(handle);
      return chained.then(call => call(ctx));
    },
  };
}
