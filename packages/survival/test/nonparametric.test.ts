import { describe, expect, it } from 'vitest';
import {
  completeColumns,
  KaplanMeierFitter,
  logRankTest,
  lung,
  NelsonAalenFitter,
  NoEventsError,
  veteran,
} from '../src/index.js';
import { expectClose, R } from './helpers.js';

const lungTime = lung.columns.time as number[];
const lungEvent = (lung.columns.status as number[]).map((s) => s - 1);

describe('Kaplan–Meier vs R survfit', () => {
  for (const [confType, key] of [
    ['log', 'lung_km_log'],
    ['plain', 'lung_km_plain'],
    ['log-log', 'lung_km_loglog'],
  ] as const) {
    it(`lung, conf.type = "${confType}": estimates, Greenwood SEs, CIs, median`, () => {
      const km = new KaplanMeierFitter({ confType }).fit(lungTime, lungEvent);
      const golden = R[key];
      expectClose(km.times, golden.time, 0);
      expectClose(km.nRisk, golden.n_risk, 0);
      expectClose(km.nEvent, golden.n_event, 0);
      expectClose(km.nCensor, golden.n_censor, 0);
      expectClose(km.survival, golden.surv, 1e-12);
      expectClose(km.stdErr, golden.std_err, 1e-10);
      expectClose(km.lower, golden.lower, 1e-9);
      expectClose(km.upper, golden.upper, 1e-9);
      const median = km.median;
      expectClose([median.time, median.lower, median.upper], golden.median, 0);
    });
  }

  it('veteran (ends at S = 0) and a tied random sample', () => {
    const c = veteran.columns as Record<string, number[]>;
    for (const [km, golden] of [
      [new KaplanMeierFitter().fit(c.time, c.status), R.veteran_km],
      [new KaplanMeierFitter().fit(R.random.time, R.random.event), R.random_km],
    ] as const) {
      expectClose(km.survival, golden.surv, 1e-12);
      const defined = golden.std_err.flatMap((v: number | null, k: number) =>
        v !== null && Number.isFinite(v) ? [k] : [],
      );
      expectClose(
        defined.map((k: number) => km.stdErr[k]),
        defined.map((k: number) => golden.std_err[k]),
        1e-10,
      );
      expectClose(km.lower, golden.lower, 1e-9);
      expectClose(km.upper, golden.upper, 1e-9);
      const m = km.median;
      expectClose([m.time, m.lower, m.upper], golden.median, 0);
    }
  });

  it('case weights', () => {
    const lc = completeColumns(lung, ['time', 'status', 'age', 'sex', 'ph.ecog', 'inst']);
    const weights = Float64Array.from(lc.time, (_, i) => 2 + ((i + 1) % 3));
    const km = new KaplanMeierFitter().fit(
      lc.time,
      lc.status.map((s) => s - 1),
      weights,
    );
    const golden = R.lung_km_weighted;
    expectClose(km.survival, golden.surv, 1e-12);
    expectClose(km.stdErr, golden.std_err, 1e-10);
    expectClose(km.lower, golden.lower, 1e-9);
  });

  it('all censored: S stays 1, the median is not reached', () => {
    const km = new KaplanMeierFitter().fit([1, 2, 3], [0, 0, 0]);
    expect(Array.from(km.survival)).toEqual([1, 1, 1]);
    expect(Number.isNaN(km.median.time)).toBe(true);
    expect(km.survivalAt(10)).toBe(1);
  });
});

describe('Nelson–Aalen vs R survfit(ctype = 1)', () => {
  it('lung cumulative hazard and standard error', () => {
    const na = new NelsonAalenFitter().fit(lungTime, lungEvent);
    expectClose(na.cumulativeHazard, R.lung_nelson_aalen.cumhaz, 1e-12);
    expectClose(na.stdErr, R.lung_nelson_aalen.std_chaz, 1e-10);
    expect(na.cumulativeHazardAt(-1)).toBe(0);
  });
});

describe('log-rank vs R survdiff', () => {
  // biome-ignore lint/suspicious/noExplicitAny: fixture JSON
  const check = (result: ReturnType<typeof logRankTest>, golden: Record<string, any[]>) => {
    expectClose([result.chisq], [golden.chisq[0]], 1e-9);
    expectClose([result.pValue], [golden.p[0]], 1e-8);
    const order = golden.groups.map((g) => result.groups.map(String).indexOf(String(g)));
    expectClose(
      order.map((k) => result.observed[k]),
      golden.observed,
      1e-12,
    );
    expectClose(
      order.map((k) => result.expected[k]),
      golden.expected,
      1e-10,
    );
  };
  it('2 groups: lung by sex', () => {
    check(logRankTest(lungTime, lungEvent, lung.columns.sex as number[]), R.lung_logrank_sex);
  });
  it('4 groups: veteran by cell type', () => {
    const c = veteran.columns as Record<string, number[]>;
    const result = logRankTest(c.time, c.status, veteran.columns.celltype as string[]);
    expect(result.df).toBe(3);
    check(result, R.veteran_logrank_celltype);
  });
  it('stratified: veteran by treatment within cell type, random data within strata', () => {
    const c = veteran.columns as Record<string, number[]>;
    check(
      logRankTest(c.time, c.status, c.trt, { strata: veteran.columns.celltype as string[] }),
      R.veteran_logrank_trt_strata,
    );
    const rd = R.random;
    check(
      logRankTest(
        rd.time,
        rd.event,
        rd.risk.map((r: number) => (r > 0 ? 'TRUE' : 'FALSE')),
        { strata: rd.stratum },
      ),
      R.random_logrank_strata,
    );
  });
  it('refuses one group and all-censored data', () => {
    expect(() => logRankTest([1, 2], [1, 1], [0, 0])).toThrow(/at least 2 groups/);
    expect(() => logRankTest([1, 2], [0, 0], [0, 1])).toThrow(NoEventsError);
  });
});
