import {
  ASYNC_CONTEXT_KEY,
  ASYNC_CONTEXT_MANAGER_KEY,
  ASYNC_ROOT_CONTEXT,
  type AsyncContextManager,
} from '@midwayjs/core';
import type { ApplicationContainer } from '../midway/core-major';

/** Calls `fn(ctx)` with `ctx` as the current context of Midway's async context manager. */
export type InAsyncContext = <T>(ctx: object, fn: (ctx: object) => T) => T;

/**
 * With `asyncContextManager.enable` (off by default in Midway 3, on in Midway 4), the first thing
 * Midway's middleware chain does for a request is to make its context the current one, so that
 * code without a ctx at hand can still find it. When nothing else is on the chain, this does that
 * step alone. `container` must have the manager registered (the first `applyMiddleware` does).
 */
export function asyncContextRunner(container: ApplicationContainer): InAsyncContext {
  const manager = container.get<AsyncContextManager>(ASYNC_CONTEXT_MANAGER_KEY);
  // Read once: @midwayjs/core's exports are getters, too slow for per-message use.
  const root = ASYNC_ROOT_CONTEXT;
  const key = ASYNC_CONTEXT_KEY;
  return (ctx, fn) => manager.with(root.setValue(key, ctx), fn, undefined, ctx);
}
