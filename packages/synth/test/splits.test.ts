import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignSplits, patientSeed } from '../src/index.js';

describe('patient-level splits', () => {
  it('assign every patient once, in proportions within one patient of the fractions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.tuple(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0.01, max: 1, noNaN: true }),
        ),
        (n, seed, fractions) => {
          const splits = assignSplits(n, seed, fractions);
          expect(splits).toHaveLength(n);
          const total = fractions[0] + fractions[1] + fractions[2];
          const count = (s: string) => splits.filter((x) => x === s).length;
          expect(Math.abs(count('train') - (n * fractions[0]) / total)).toBeLessThanOrEqual(1);
          expect(Math.abs(count('val') - (n * fractions[1]) / total)).toBeLessThanOrEqual(1);
          expect(count('train') + count('val') + count('test')).toBe(n);
          expect(assignSplits(n, seed, fractions)).toEqual(splits);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('give each patient a seed that does not depend on the cohort size and differs between patients', () => {
    const seeds = new Set(Array.from({ length: 5000 }, (_, i) => patientSeed(1, i)));
    expect(seeds.size).toBe(5000);
    expect(patientSeed(1, 7)).toBe(patientSeed(1, 7));
    expect(patientSeed(1, 7)).not.toBe(patientSeed(2, 7));
  });
});
