import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** Golden numbers written by fixtures/r-survival.R. */
// biome-ignore lint/suspicious/noExplicitAny: fixture JSON
export const R: Record<string, any> = JSON.parse(
  readFileSync(new URL('./fixtures/r-survival.json', import.meta.url), 'utf8'),
);

/** Asserts |a − b| ≤ rtol·|b| + atol elementwise, naming the first offending index. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number | null>,
  rtol = 1e-6,
  atol = 0,
): void {
  expect(actual.length, 'length').toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === null) {
      expect(Number.isNaN(a), `index ${i}: expected NA (NaN), got ${a}`).toBe(true);
      continue;
    }
    const ok = Math.abs(a - e) <= rtol * Math.abs(e) + atol || a === e;
    expect(ok, `index ${i}: ${a} vs ${e} (rel ${(Math.abs(a - e) / Math.abs(e)).toExponential(2)})`).toBe(
      true,
    );
  }
}

/** Random right-censored data with many tied times and tied risks. */
export interface RandomSurvival {
  time: number[];
  event: number[];
  risk: number[];
}
