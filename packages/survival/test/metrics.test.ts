import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { brierScore, cumulativeDynamicAuc, integratedBrierScore, SurvivalInputError } from '../src/index.js';
import { aucOracle, censoringAt, censoringBefore } from './oracles.js';

const sample = fc.integer({ min: 4, max: 30 }).chain((n) =>
  fc.record({
    time: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: n, maxLength: n }),
    event: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
    risk: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n }),
  }),
);

describe('cumulative/dynamic AUC', () => {
  it('equals the O(n²) IPCW oracle at every time', () => {
    fc.assert(
      fc.property(sample, fc.integer({ min: 1, max: 7 }), (s, t) => {
        const expected = aucOracle(s.time, s.event, s.risk, t);
        if (!Number.isFinite(expected) || censoringBefore(s.time, s.event, t + 1) === 0) {
          return;
        }
        const result = cumulativeDynamicAuc(s.time, s.event, s.risk, [t]);
        expect(result.auc[0]).toBeCloseTo(expected, 12);
        expect(result.meanAuc).toBeCloseTo(expected, 12);
      }),
      { numRuns: 150 },
    );
  });

  it('is 1 for a perfect risk score and refuses times without cases', () => {
    const time = [1, 2, 3, 4, 5, 6];
    const event = [1, 1, 1, 1, 1, 1];
    const risk = [6, 5, 4, 3, 2, 1];
    expect(Array.from(cumulativeDynamicAuc(time, event, risk, [2, 4]).auc)).toEqual([1, 1]);
    expect(() => cumulativeDynamicAuc(time, event, risk, [0.5])).toThrow(SurvivalInputError);
  });
});

describe('Brier score', () => {
  const brierOracle = (time: number[], event: number[], surv: number[][], grid: number[], t: number) => {
    const k = grid.filter((g) => g <= t).length - 1;
    let sum = 0;
    for (let i = 0; i < time.length; i++) {
      const s = k < 0 ? 1 : surv[i][k];
      if (time[i] > t) sum += (1 - s) ** 2 / censoringAt(time, event, t);
      else if (event[i] === 1) sum += s ** 2 / censoringBefore(time, event, time[i]);
    }
    return sum / time.length;
  };

  it('equals the IPCW definition; the integrated score is its trapezoid mean', () => {
    fc.assert(
      fc.property(sample, (s) => {
        const grid = [1, 2, 3, 4, 5, 6, 7, 8];
        const survival = s.risk.map((r) => grid.map((g) => Math.exp(-0.1 * g * Math.exp(r / 3))));
        const times = [2, 3, 5];
        if (times.some((t) => censoringAt(s.time, s.event, t) === 0)) return;
        const result = brierScore(s.time, s.event, { times: grid, survival }, times);
        const expected = times.map((t) => brierOracle(s.time, s.event, survival, grid, t));
        for (let q = 0; q < times.length; q++) expect(result.brier[q]).toBeCloseTo(expected[q], 12);
        const ibs = integratedBrierScore(s.time, s.event, { times: grid, survival }, times);
        const trapezoid = ((expected[0] + expected[1]) / 2 + ((expected[1] + expected[2]) / 2) * 2) / 3;
        expect(ibs).toBeCloseTo(trapezoid, 12);
      }),
      { numRuns: 100 },
    );
  });

  it('is 0 for perfect predictions without censoring', () => {
    const grid = [1, 2, 3];
    const survival = [
      [0, 0, 0],
      [1, 0, 0],
      [1, 1, 0],
    ];
    expect(Array.from(brierScore([1, 2, 3], [1, 1, 1], { times: grid, survival }, [1, 2]).brier)).toEqual([
      0, 0,
    ]);
  });

  it('names malformed curves', () => {
    expect(() => brierScore([1, 2], [1, 0], { times: [1, 2], survival: [[1, 0.5]] }, [1])).toThrow(
      /curves.survival: has 1 rows/,
    );
    expect(() =>
      brierScore(
        [1, 2],
        [1, 0],
        {
          times: [2, 1],
          survival: [
            [1, 0.5],
            [1, 1],
          ],
        },
        [1],
      ),
    ).toThrow(/ascending/);
    expect(() =>
      brierScore(
        [1, 2],
        [1, 0],
        {
          times: [1, 2],
          survival: [
            [1, 1.5],
            [1, 1],
          ],
        },
        [1],
      ),
    ).toThrow(/not in \[0, 1\]/);
  });
});
