import { describe, expect, it } from 'vitest';
import {
  bootstrapCI,
  bootstrapSurvivalMetric,
  compareSurvivalModels,
  CoxPHFitter,
  completeColumns,
  harrellC,
  KaplanMeierFitter,
  logRankTest,
  lung,
  pairedBootstrap,
  stratifyByRisk,
  take,
} from '../src/index.js';

const lc = completeColumns(lung, ['time', 'status', 'age', 'sex', 'ph.ecog']);
const event = lc.status.map((s) => s - 1);
const fit = new CoxPHFitter().fit({
  X: { age: lc.age, sex: lc.sex, 'ph.ecog': lc['ph.ecog'] },
  time: lc.time,
  event,
});
const risk = fit.predictRisk({ age: lc.age, sex: lc.sex, 'ph.ecog': lc['ph.ecog'] });

describe('risk-group stratification', () => {
  it('median split: per-group Kaplan–Meier and the log-rank test between the groups', () => {
    const result = stratifyByRisk(lc.time, event, risk);
    expect(result.groups.map((g) => g.label)).toEqual(['low', 'high']);
    const high = result.groups[1];
    for (const i of high.indices) expect(risk[i]).toBeGreaterThan(result.cutPoints[0]);
    const km = new KaplanMeierFitter().fit(take(lc.time, high.indices), take(event, high.indices));
    expect(Array.from(high.km.survival)).toEqual(Array.from(km.survival));
    const direct = logRankTest(lc.time, event, Array.from(result.assignment));
    expect(result.logRank?.chisq).toBeCloseTo(direct.chisq, 12);
    expect(result.logRank!.pValue).toBeLessThan(0.01);
    expect(high.km.median.time).toBeLessThan(result.groups[0].km.median.time);
  });

  it('tertiles and quantiles follow R quantile(type = 7); cut-points are used as given', () => {
    const scores = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const time = scores.map((s) => s);
    const ev = scores.map(() => 1);
    expect(stratifyByRisk(time, ev, scores, { grouping: { method: 'tertiles' } }).cutPoints).toEqual([4, 7]);
    expect(
      stratifyByRisk(time, ev, scores, { grouping: { method: 'quantiles', groups: 4 } }).cutPoints,
    ).toEqual([3.25, 5.5, 7.75]);
    const cut = stratifyByRisk(time, ev, scores, {
      grouping: { method: 'cutPoints', cutPoints: [2.5] },
      labels: ['a', 'b'],
    });
    expect(cut.groups.map((g) => g.indices.length)).toEqual([2, 8]);
    expect(() =>
      stratifyByRisk(time, ev, scores, { grouping: { method: 'cutPoints', cutPoints: [3, 1] } }),
    ).toThrow(/ascending/);
  });
});

describe('bootstrap', () => {
  const cIndex = (r: ArrayLike<number>) => (idx: Uint32Array) =>
    harrellC(take(lc.time, idx), take(event, idx), take(r, idx)).concordance;

  it('is seeded, deterministic and brackets the estimate', () => {
    const a = bootstrapCI(lc.time.length, cIndex(risk), { replicates: 200, seed: 7 });
    const b = bootstrapCI(lc.time.length, cIndex(risk), { replicates: 200, seed: 7 });
    expect(Array.from(a.replicates)).toEqual(Array.from(b.replicates));
    expect(a.estimate).toBeCloseTo(fit.concordance.concordance, 12);
    expect(a.lower).toBeLessThan(a.estimate);
    expect(a.upper).toBeGreaterThan(a.estimate);
    expect(a.standardError).toBeGreaterThan(0.01);
    expect(a.standardError).toBeLessThan(0.06);
  });

  it('paired bootstrap: a model against itself differs by 0; against noise the Cox model wins', () => {
    const same = pairedBootstrap(lc.time.length, cIndex(risk), cIndex(risk), { replicates: 100, seed: 1 });
    expect(same.difference.estimate).toBe(0);
    expect(same.pValue).toBe(1);
    const noise = Array.from(
      risk,
      (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453),
    );
    const vs = pairedBootstrap(lc.time.length, cIndex(risk), cIndex(noise), { replicates: 300, seed: 2 });
    expect(vs.difference.lower).toBeGreaterThan(0);
    expect(vs.pValue).toBeLessThan(0.05);
  });

  it('survival-metric helpers resample time, event and risk together', () => {
    const metric = (t: Float64Array, e: Float64Array, r: Float64Array) =>
      harrellC(t, e, r, { standardError: false }).concordance;
    const single = bootstrapSurvivalMetric({ time: lc.time, event, risk }, metric, {
      replicates: 50,
      seed: 3,
    });
    const manual = bootstrapCI(lc.time.length, cIndex(risk), { replicates: 50, seed: 3 });
    expect(Array.from(single.replicates)).toEqual(Array.from(manual.replicates));
    const compared = compareSurvivalModels({ time: lc.time, event, riskA: risk, riskB: risk }, metric, {
      replicates: 20,
    });
    expect(compared.difference.estimate).toBe(0);
    expect(() => bootstrapSurvivalMetric({ time: [1, 2], event: [1], risk: [1, 2] }, metric)).toThrow(
      /event: has length 1/,
    );
  });

  it('skips failing resamples and reports them', () => {
    let calls = 0;
    const result = bootstrapCI(
      10,
      () => {
        calls++;
        if (calls % 2 === 0) throw new Error('no pairs');
        return 1;
      },
      { replicates: 10 },
    );
    expect(result.failed).toBe(5);
    expect(() => bootstrapCI(5, () => Number.NaN, { replicates: 3 })).toThrow(/failed on every one/);
  });
});
