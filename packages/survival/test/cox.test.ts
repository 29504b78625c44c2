import { describe, expect, it } from 'vitest';
import {
  CoxPHFitter,
  completeColumns,
  colon,
  lung,
  SingularDesignError,
  NoEventsError,
  veteran,
} from '../src/index.js';
import { expectClose, R } from './helpers.js';

const lungc = completeColumns(lung, ['time', 'status', 'age', 'sex', 'ph.ecog', 'inst']);
const lungEvent = lungc.status.map((s) => s - 1);
const lungWeights = Float64Array.from(lungc.time, (_, i) => 1 + ((i + 1) % 3) / 2);

function checkAgainstR(fit: ReturnType<CoxPHFitter['fit']>, golden: Record<string, number[]>) {
  expectClose(fit.coefficients, golden.coef, 1e-6);
  expectClose(fit.standardErrors, golden.se, 1e-6);
  expectClose(fit.loglik, golden.loglik, 1e-9);
  expectClose(fit.z, golden.z, 1e-6);
  expectClose(fit.pValues, golden.p, 1e-5);
  expectClose(fit.lower, golden.lower, 1e-6);
  expectClose(fit.upper, golden.upper, 1e-6);
  expectClose([fit.likelihoodRatioTest.statistic, fit.likelihoodRatioTest.pValue], golden.lrt, 1e-6);
  expectClose([fit.waldTest.statistic, fit.waldTest.pValue], golden.wald, 1e-6);
  expectClose([fit.scoreTest.statistic, fit.scoreTest.pValue], golden.score, 1e-6);
  expectClose([fit.concordance.concordance], golden.concordance, 1e-12);
  expectClose([fit.concordance.standardError], golden.concordance_std, 1e-9);
  expectClose(
    [
      fit.concordance.concordant,
      fit.concordance.discordant,
      fit.concordance.tiedRisk,
      fit.concordance.tiedTime,
    ],
    golden.counts,
    1e-12,
  );
}

describe('CoxPHFitter vs R coxph', () => {
  for (const ties of ['efron', 'breslow'] as const) {
    it(`lung, ${ties}: coefficients, SEs, loglik, tests, concordance`, () => {
      const fit = new CoxPHFitter({ ties }).fit({
        X: { age: lungc.age, sex: lungc.sex, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
      });
      expect(fit.converged).toBe(true);
      checkAgainstR(fit, R[`lung_cox_${ties}`]);
      const text = fit.formatSummary();
      expect(text).toMatch(/^n = 226, events = 163/);
      expect(text).toContain('Likelihood ratio test = 30.');
      expect(text.split('\n')[2]).toMatch(/^age\s+0\.0112/);
    });

    it(`lung, ${ties}: case weights`, () => {
      const fit = new CoxPHFitter({ ties }).fit({
        X: { age: lungc.age, sex: lungc.sex, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
        weights: lungWeights,
      });
      const golden = R[`lung_cox_weighted_${ties}`];
      expectClose(fit.coefficients, golden.coef, 1e-6);
      expectClose(fit.standardErrors, golden.se, 1e-6);
      expectClose(fit.loglik, golden.loglik, 1e-9);
      const robust = new CoxPHFitter({ ties, robust: true }).fit({
        X: { age: lungc.age, sex: lungc.sex, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
        weights: lungWeights,
      });
      expectClose(robust.standardErrors, golden.robust_se, 1e-6);
      expectClose([robust.waldTest.statistic], golden.wald, 1e-6);
    });

    it(`veteran, ${ties}: robust (sandwich) variance with tied times`, () => {
      const c = veteran.columns as Record<string, number[]>;
      const fit = new CoxPHFitter({ ties, robust: true }).fit({
        X: { karno: c.karno, age: c.age, trt: c.trt },
        time: c.time,
        event: c.status,
      });
      const golden = R[`veteran_cox_robust_${ties}`];
      expectClose(fit.coefficients, golden.coef, 1e-6);
      expectClose(fit.standardErrors, golden.robust_se, 1e-6);
    });

    it(`lung, ${ties}: strata(sex)`, () => {
      const fit = new CoxPHFitter({ ties }).fit({
        X: { age: lungc.age, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
        strata: lungc.sex,
      });
      checkAgainstR(fit, R[`lung_cox_strata_${ties}`]);
      const robust = new CoxPHFitter({ ties, robust: true }).fit({
        X: { age: lungc.age, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
        strata: lungc.sex,
      });
      expectClose(robust.standardErrors, R[`lung_cox_strata_${ties}`].robust_se, 1e-6);
    });

    it(`veteran (heavily tied), ${ties}`, () => {
      const c = veteran.columns as Record<string, number[]>;
      const fit = new CoxPHFitter({ ties }).fit({
        X: { karno: c.karno, age: c.age, diagtime: c.diagtime, prior: c.prior, trt: c.trt },
        time: c.time,
        event: c.status,
      });
      checkAgainstR(fit, R[`veteran_cox_${ties}`]);
    });

    it(`lung baseline hazard and predicted survival, ${ties}`, () => {
      const fit = new CoxPHFitter({ ties }).fit({
        X: { age: lungc.age, sex: lungc.sex, 'ph.ecog': lungc['ph.ecog'] },
        time: lungc.time,
        event: lungEvent,
      });
      const golden = R[`lung_baseline_${ties}`];
      const [baseline] = fit.baselineHazard();
      expectClose(baseline.times, golden.time, 0);
      if (ties === 'breslow') expectClose(baseline.cumulativeHazard, golden.hazard, 1e-6);
      const curves = fit.predictSurvival(
        { age: [50, 70], sex: [1, 2], 'ph.ecog': [0, 2] },
        { times: golden.time },
      );
      expectClose(curves.survival[0], golden.surv1, 1e-6);
      expectClose(curves.survival[1], golden.surv2, 1e-6);
    });
  }

  it("stratified model: the predicted curve uses the subject's own stratum baseline", () => {
    const fit = new CoxPHFitter({ ties: 'breslow' }).fit({
      X: { age: lungc.age, 'ph.ecog': lungc['ph.ecog'] },
      time: lungc.time,
      event: lungEvent,
      strata: lungc.sex,
    });
    const golden = R.lung_strata_prediction;
    const curves = fit.predictSurvival({ age: [60], 'ph.ecog': [1] }, { times: golden.time, strata: [2] });
    expectClose(curves.survival[0], golden.surv, 1e-6);
    expect(() => fit.predictSurvival({ age: [60], 'ph.ecog': [1] })).toThrow(/stratified/);
    expect(fit.baselineHazard().map((b) => b.stratum)).toEqual([1, 2]);
    expect(() => fit.predictSurvival({ age: [60], 'ph.ecog': [1] }, { strata: [3] })).toThrow(
      /unknown stratum 3/,
    );
  });

  it('lung ridge penalty matches R ridge(theta, scale = FALSE)', () => {
    const golden = R.lung_cox_ridge;
    const fit = new CoxPHFitter({ penalizer: golden.theta[0] }).fit({
      X: { age: lungc.age, sex: lungc.sex, 'ph.ecog': lungc['ph.ecog'] },
      time: lungc.time,
      event: lungEvent,
    });
    expectClose(fit.coefficients, golden.coef, 1e-6);
    expectClose(fit.standardErrors, golden.se, 1e-6);
  });

  it('colon deaths, 7 covariates, efron', () => {
    const rows: number[] = [];
    const c = colon.columns as Record<string, (number | string | null)[]>;
    const names = ['nodes', 'age', 'sex', 'obstruct', 'extent'];
    for (let i = 0; i < colon.rows; i++) {
      if (c.etype[i] === 2 && names.every((n) => c[n][i] !== null) && c.time[i] !== null) rows.push(i);
    }
    const col = (n: string) => rows.map((i) => c[n][i] as number);
    const fit = new CoxPHFitter().fit({
      X: {
        lev: rows.map((i) => (c.rx[i] === 'Lev' ? 1 : 0)),
        lev5fu: rows.map((i) => (c.rx[i] === 'Lev+5FU' ? 1 : 0)),
        nodes: col('nodes'),
        age: col('age'),
        sex: col('sex'),
        obstruct: col('obstruct'),
        extent: col('extent'),
      },
      time: col('time'),
      event: col('status'),
    });
    checkAgainstR(fit, R.colon_cox_efron);
  });
});

describe('CoxPHFitter bad input', () => {
  const time = [5, 3, 8, 2, 7, 4];
  const event = [1, 0, 1, 1, 0, 1];
  it('names collinear columns', () => {
    const a = [1, 2, 3, 4, 5, 7];
    const b = [2, 1, 0, 3, 3, 1];
    const sum = a.map((v, i) => v + 2 * b[i]);
    const fit = () => new CoxPHFitter().fit({ X: { a, b, sum }, time, event });
    expect(fit).toThrow(SingularDesignError);
    expect(fit).toThrow(/sum, a, b/);
  });
  it('names a constant column', () => {
    expect(() =>
      new CoxPHFitter().fit({ X: { a: [1, 2, 3, 4, 5, 6], c: [1, 1, 1, 1, 1, 1] }, time, event }),
    ).toThrow(/column c is constant/);
  });
  it('refuses all-censored data and NaN covariates', () => {
    expect(() => new CoxPHFitter().fit({ X: [[1], [2]], time: [1, 2], event: [0, 0] })).toThrow(
      NoEventsError,
    );
    expect(() => new CoxPHFitter().fit({ X: { a: [1, Number.NaN] }, time: [1, 2], event: [1, 0] })).toThrow(
      /X.a: is not a finite number \(NaN\) in row 1/,
    );
  });
  it('warns when a coefficient is infinite (perfect separation)', () => {
    const warnings: string[] = [];
    const fit = new CoxPHFitter({ onWarning: (w) => warnings.push(w.code) }).fit({
      X: { x: [1, 1, 1, 0, 0, 0], y: [0.3, -0.2, 0.5, 0.1, -0.4, 0.2] },
      time: [1, 2, 3, 4, 5, 6],
      event: [1, 1, 1, 1, 1, 1],
    });
    expect(warnings).toContain('infinite-coefficient');
    expect(fit.coefficients.every(Number.isFinite)).toBe(true);
  });
});
