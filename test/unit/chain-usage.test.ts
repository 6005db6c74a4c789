import { FilterManager, Match, MidwayMockService } from '@midwayjs/core';
import { contextIsMocked, middlewareOrFiltersRegistered } from '../../src/framework/chain-usage';

// Midway's own managers, of the major this run uses: the fields read here must be theirs.

@Match()
class EveryResult {
  match() {
    return true;
  }
}

describe('whether a message needs Midway’s middleware chain', () => {
  it('follows the filters registered on Midway’s FilterManager', () => {
    const filters = new FilterManager();
    expect(middlewareOrFiltersRegistered([], filters)).toBe(false);
    filters.useFilter(EveryResult);
    expect(middlewareOrFiltersRegistered([], filters)).toBe(true);
  });

  it('follows the context mocks registered on Midway’s MidwayMockService', () => {
    const mocks = new MidwayMockService({} as never);
    expect(contextIsMocked(mocks)).toBe(false);
    mocks.mockContext({} as never, 'user', 'someone');
    expect(contextIsMocked(mocks)).toBe(true);
    mocks.restoreAll();
    expect(contextIsMocked(mocks)).toBe(false);
  });

  it('uses the chain when a manager does not have the fields it reads', () => {
    expect(middlewareOrFiltersRegistered([], {})).toBe(true);
    expect(contextIsMocked({})).toBe(true);
  });
});
