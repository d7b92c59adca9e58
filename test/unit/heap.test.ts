import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../bot/config/load.js';
import { heapGrowthPercent, WEB_HEAP_GROWTH_PERCENT } from '../../bot/heap.js';

describe('heap growth per role', () => {
  it('bounds the web role by default, leaves workers and the single process to V8, and obeys the setting', () => {
    expect(heapGrowthPercent('web', undefined)).toBe(WEB_HEAP_GROWTH_PERCENT);
    expect(heapGrowthPercent('worker', undefined)).toBe(0);
    expect(heapGrowthPercent('all', undefined)).toBe(0);
    expect(heapGrowthPercent('web', 0)).toBe(0);
    expect(heapGrowthPercent('worker', 50)).toBe(50);
  });

  it('reads VOID_HEAP_GROWTH_PERCENT as a whole percent, and refuses nonsense', () => {
    expect(loadEnv({ VOID_HEAP_GROWTH_PERCENT: '40' }).VOID_HEAP_GROWTH_PERCENT).toBe(40);
    expect(loadEnv({}).VOID_HEAP_GROWTH_PERCENT).toBeUndefined();
    expect(() => loadEnv({ VOID_HEAP_GROWTH_PERCENT: '-5' })).toThrow();
  });
});
