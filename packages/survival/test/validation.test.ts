import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  argsort,
  chiSquareSurvival,
  colon,
  completeColumns,
  harrellC,
  KaplanMeierFitter,
  lung,
  NoEventsError,
  normalCdf,
  normalQuantile,
  SurvivalInputError,
  unoC,
  veteran,
} from '../src/index.js';

describe('bad input gets typed errors naming the problem', () => {
  const km = new KaplanMeierFitter();
  it.each([
    [() => km.fit([1, -1], [1, 0]), /time: is negative \(-1\) at index 1/],
    [() => km.fit([1, Number.NaN], [1, 0]), /time: is NaN/],
    [() => km.fit([1, Number.POSITIVE_INFINITY], [1, 0]), /time: is infinite at index 1/],
    [() => km.fit([1, 2], [1, 2]), /event: must be 0\/1 or boolean, got 2 at index 1/],
    [() => km.fit([1, 2, 3], [1, 0]), /event: has length 2 but time has length 3/],
    [() => km.fit([], []), /time: is empty/],
    [() => km.fit([1, 2], [1, 0], [1, -1]), /weights: is negative/],
    [() => harrellC([1, 2], [1, 0], [0, Number.NaN]), /risk: is not a finite number \(NaN\) at index 1/],
    [() => harrellC([1, 2], [1, 0], [0]), /risk: has length 1 but time has length 2/],
    [() => new KaplanMeierFitter({ confLevel: 1.5 }), /confLevel/],
  ])('%#', (call, message) => {
    expect(call).toThrow(SurvivalInputError);
    expect(call).toThrow(message);
  });

  it('all-censored data: concordance refuses with NoEventsError', () => {
    expect(() => harrellC([1, 2, 3], [0, 0, 0], [1, 2, 3])).toThrow(NoEventsError);
    expect(() => unoC([1, 2, 3], [false, false, false], [1, 2, 3])).toThrow(/no comparable pairs/);
  });

  it('accepts boolean events', () => {
    expect(harrellC([1, 2], [true, false], [2, 1]).concordance).toBe(1);
  });
});

describe('datasets shipped from R', () => {
  it('have the documented sizes and columns', () => {
    expect(lung.rows).toBe(228);
    expect(veteran.rows).toBe(137);
    expect(colon.rows).toBe(1858);
    expect(Object.keys(lung.columns)).toContain('ph.ecog');
    expect(veteran.columns.celltype[0]).toBe('squamous');
    expect(completeColumns(lung, ['time', 'status', 'ph.ecog']).time.length).toBe(227);
    expect(() => completeColumns(veteran, ['celltype'])).toThrow(/text column/);
  });
});

describe('numerical building blocks', () => {
  it('argsort is a stable sort, ascending and descending, with negative numbers and -0', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
          { maxLength: 200 },
        ),
        (values) => {
          const expected = values.map((_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
          expect(Array.from(argsort(values))).toEqual(expected);
          const descending = values.map((_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
          expect(Array.from(argsort(values, true))).toEqual(descending);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('normal and chi-square tails match R (pnorm, qnorm, pchisq)', () => {
    // R: pnorm(-1.96), pnorm(-8), qnorm(0.975), qnorm(1e-10), pchisq(30.5, 3, lower = FALSE), pchisq(0.5, 1, lower = FALSE)
    expect(normalCdf(-1.96)).toBeCloseTo(0.024997895148220428, 15);
    expect(normalCdf(-8) / 6.2209605742717849e-16).toBeCloseTo(1, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.9599639845400536, 13);
    expect(normalQuantile(1e-10) / -6.3613409024040557).toBeCloseTo(1, 12);
    expect(chiSquareSurvival(30.5, 3) / 1.0831686754579122e-6).toBeCloseTo(1, 10);
    expect(chiSquareSurvival(0.5, 1)).toBeCloseTo(0.47950012218695348, 14);
  });
});
