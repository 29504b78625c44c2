import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { antoliniC, harrellC, NoEventsError, unoC } from '../src/index.js';
import { expectClose, R } from './helpers.js';
import { harrellOracle, unoOracle } from './oracles.js';

const rd = R.random;

/** Random survival data with heavy ties in time and risk, and censoring. */
const survivalSample = (maxN = 40) =>
  fc.integer({ min: 2, max: maxN }).chain((n) =>
    fc.record({
      time: fc.array(fc.integer({ min: 0, max: 8 }), { minLength: n, maxLength: n }),
      event: fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }),
      risk: fc.array(
        fc.integer({ min: -3, max: 3 }).map((v) => v / 2),
        { minLength: n, maxLength: n },
      ),
      weights: fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
      strata: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
    }),
  );

describe("Harrell's C", () => {
  it('matches R concordance(reverse = TRUE): plain, stratified, weighted', () => {
    const counts = (r: ReturnType<typeof harrellC>) => [
      r.concordant,
      r.discordant,
      r.tiedRisk,
      r.tiedTime,
      r.tiedTimeAndRisk,
    ];
    const plain = harrellC(rd.time, rd.event, rd.risk);
    expectClose([plain.concordance], R.random_harrell.concordance, 1e-12);
    expectClose(counts(plain), R.random_harrell.counts, 1e-12);
    expectClose([plain.standardError], R.random_harrell.std, 1e-9);
    const strat = harrellC(rd.time, rd.event, rd.risk, { strata: rd.stratum });
    expectClose([strat.concordance], R.random_harrell_strata.concordance, 1e-12);
    expectClose(counts(strat), R.random_harrell_strata.counts, 1e-12);
    expectClose([strat.standardError], R.random_harrell_strata.std, 1e-9);
    const weighted = harrellC(rd.time, rd.event, rd.risk, { weights: rd.w });
    expectClose([weighted.concordance], R.random_harrell_weighted.concordance, 1e-10);
    expectClose(counts(weighted).slice(0, 3), R.random_harrell_weighted.counts.slice(0, 3), 1e-10);
    expectClose([weighted.standardError], R.random_harrell_weighted.std, 1e-9);
  });

  it('equals the O(n²) oracle on random tied, censored, weighted, stratified data', () => {
    fc.assert(
      fc.property(survivalSample(), (s) => {
        const oracle = harrellOracle(s.time, s.event, s.risk, s.weights, s.strata);
        if (oracle.concordant + oracle.discordant + oracle.tied === 0) {
          expect(() => harrellC(s.time, s.event, s.risk, { weights: s.weights, strata: s.strata })).toThrow(
            NoEventsError,
          );
          return;
        }
        const fast = harrellC(s.time, s.event, s.risk, { weights: s.weights, strata: s.strata });
        expectClose(
          [fast.concordant, fast.discordant, fast.tiedRisk],
          [oracle.concordant, oracle.discordant, oracle.tied],
          1e-10,
          1e-12,
        );
        expect(fast.concordance).toBeCloseTo(oracle.c, 12);
        expect(fast.standardError).toBeCloseTo(oracle.se, 12);
      }),
      { numRuns: 200 },
    );
  });

  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    const time = [1, 2, 3, 4, 5];
    const event = [1, 1, 1, 1, 1];
    expect(harrellC(time, event, [5, 4, 3, 2, 1]).concordance).toBe(1);
    expect(harrellC(time, event, [1, 2, 3, 4, 5]).concordance).toBe(0);
  });
});

describe("Uno's C", () => {
  it('matches R concordance(timewt = "n/G2"), with and without tau', () => {
    expectClose([unoC(rd.time, rd.event, rd.risk).concordance], R.random_uno.concordance, 1e-10);
    expectClose(
      [unoC(rd.time, rd.event, rd.risk, { tau: 30 }).concordance],
      R.random_uno_tau30.concordance,
      1e-10,
    );
  });

  it('equals the O(n²) oracle', () => {
    fc.assert(
      fc.property(survivalSample(30), fc.integer({ min: 1, max: 9 }), (s, tau) => {
        const expected = unoOracle(s.time, s.event, s.risk, tau);
        if (!Number.isFinite(expected)) return;
        expect(unoC(s.time, s.event, s.risk, { tau }).concordance).toBeCloseTo(expected, 10);
      }),
      { numRuns: 100 },
    );
  });
});

describe("Antolini's C", () => {
  it("equals Harrell's C for proportional-hazards curves (no tied risks)", () => {
    fc.assert(
      fc.property(survivalSample(30), (s) => {
        const risk = s.risk.map((r, i) => r + i * 1e-3); // distinct risks
        const grid = [...new Set(s.time)].sort((a, b) => a - b);
        const survival = risk.map((r) => grid.map((t) => Math.exp(-0.1 * (t + 1) * Math.exp(r))));
        let harrell: number;
        try {
          harrell = harrellC(s.time, s.event, risk).concordance;
        } catch {
          return;
        }
        const antolini = antoliniC(s.time, s.event, { times: grid, survival });
        expect(antolini.concordance).toBeCloseTo(harrell, 12);
      }),
      { numRuns: 100 },
    );
  });

  it('uses each pair at the earlier event time (crossing curves)', () => {
    // Subject 0 dies at 1; at t = 1 its curve is lower than subject 1's, even though it ends higher.
    const result = antoliniC([1, 3], [1, 0], {
      times: [1, 2],
      survival: [
        [0.4, 0.35],
        [0.6, 0.1],
      ],
    });
    expect(result.concordance).toBe(1);
  });
});
