/**
 * Whether a message must go through Midway's composed middleware chain. The chain costs several
 * microseconds per message even when empty, so it is skipped when nothing is registered on it
 * (the async context it would set up is then set up alone: see async-context.ts). These read
 * fields of Midway's managers (the same in Midway 3 and 4); where a field is not there, each
 * check errs towards using the chain.
 */

interface FilterLists {
  errFilterList?: unknown[];
  successFilterList?: unknown[];
}

export function middlewareOrFiltersRegistered(
  middleware: { length: number },
  filterManager: unknown,
): boolean {
  const filters = filterManager as FilterLists;
  const filterCount =
    (filters.errFilterList?.length ?? 1) + (filters.successFilterList?.length ?? 1);
  return middleware.length > 0 || filterCount > 0;
}

interface MockLists {
  simulatorList?: unknown[];
  contextMocks?: Map<unknown, unknown[]>;
}

/**
 * True while a test has registered context mocks or simulators (`@midwayjs/mock`). Asked for every
 * message, so it reads the lists' sizes directly rather than Midway's allocating counters.
 */
export function contextIsMocked(mockService: unknown): boolean {
  const mocks = mockService as MockLists;
  return (mocks.simulatorList?.length ?? 1) > 0 || (mocks.contextMocks?.size ?? 1) > 0;
}
