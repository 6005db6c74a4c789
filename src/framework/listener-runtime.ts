import { MidwayInvokeForbiddenError } from '@midwayjs/core';
import type { IMidwayKafkaContext } from '../interface';
import type { PlannedListener } from '../listener/plan-groups';
import { resolveDeserializer } from '../consumer/deserialize';
import type { ListenerRuntime } from '../consumer/message-dispatcher';

/** What a listener needs from the framework: Midway's middleware chain (with filters) and guards. */
export interface MiddlewareHost {
  applyMiddleware(
    last: (ctx: IMidwayKafkaContext) => Promise<unknown>,
  ): Promise<(ctx: IMidwayKafkaContext) => Promise<unknown>>;
  runGuard(
    ctx: IMidwayKafkaContext,
    target: PlannedListener['target'],
    method: string,
  ): Promise<boolean>;
}

type Handler = (this: object, message: unknown, ctx: IMidwayKafkaContext) => unknown;

/**
 * Composes the middleware chain once per listener; per message it runs the guards, takes the class
 * instance from the request container (so `@Inject() ctx` works) and calls `method(message, ctx)`.
 */
export async function createListenerRuntime(
  host: MiddlewareHost,
  plan: PlannedListener,
): Promise<ListenerRuntime> {
  const { target, propertyKey } = plan;
  const call = await host.applyMiddleware(async ctx => {
    if (!(await host.runGuard(ctx, target, propertyKey))) {
      throw new MidwayInvokeForbiddenError(propertyKey, target);
    }
    const instance = (await ctx.requestContext.getAsync(target)) as Record<string, unknown>;
    const method = instance[propertyKey];
    if (typeof method !== 'function') {
      throw new TypeError(`${plan.id} is not a method; @KafkaListener must decorate a method.`);
    }
    return (method as Handler).call(instance, ctx.message, ctx);
  });
  return {
    plan,
    deserializer: resolveDeserializer(plan.options.deserializer, `@KafkaListener on ${plan.id}`),
    invoke: ctx => call(ctx),
  };
}
