import { describe, expect, it } from 'vitest';
import { applyHeapGrowth } from '../../src/platform/heap-growth.js';

describe('applyHeapGrowth', () => {
  it('sets the factor unless it is 0 or the command line already gives one', () => {
    expect(applyHeapGrowth(0, [])).toBe(false);
    expect(applyHeapGrowth(50, ['--heap-growing-percent=30'])).toBe(false);
    expect(applyHeapGrowth(50, ['--heap_growing_percent=30'])).toBe(false);
    expect(applyHeapGrowth(50, ['--max-old-space-size=512'])).toBe(true);
  });
});
