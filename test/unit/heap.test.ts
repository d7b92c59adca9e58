import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../bot/config/load.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, heapGrowthPercent } from '../../bot/heap.js';

describe('heap growth per role', () => {
  it('bounds every role by default (web, worker and the single process), and obeys the setting', () => {
    expect(DEFAULT_HEAP_GROWTH_PERCENT).toBe(25);
    expect(heapGrowthPercent(undefined)).toBe(25);
    expect(heapGrowthPercent(0)).toBe(0);
    expect(heapGrowthPercent(50)).toBe(50);
  });

  it('reads VOID_HEAP_GROWTH_PERCENT as a whole percent, and refuses nonsense', () => {
    expect(loadEnv({ VOID_HEAP_GROWTH_PERCENT: '40' }).VOID_HEAP_GROWTH_PERCENT).toBe(40);
    expect(loadEnv({}).VOID_HEAP_GROWTH_PERCENT).toBeUndefined();
    expect(() => loadEnv({ VOID_HEAP_GROWTH_PERCENT: '-5' })).toThrow();
  });
});
