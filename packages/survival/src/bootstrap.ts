import { Rng } from 'renal-core';
import { SurvivalInputError } from './errors.js';

/** Options of {@link bootstrapCI} and {@link pairedBootstrap}. */
export interface BootstrapOptions {
  /** Resamples; default 1000. */
  replicates?: number;
  /** Seed of the resampling stream (renal-core's xoshiro128**); default 0. */
  seed?: number;
  /** Confidence level of the percentile interval; default 0.95. */
  confLevel?: number;
}

/** A statistic with its percentile bootstrap interval. */
export interface BootstrapResult {
  /** The statistic on the full sample. */
  estimate: number;
  /** Lower percentile limit. */
  lower: number;
  /** Upper percentile limit. */
  upper: number;
  /** Bootstrap standard error. */
  standardError: number;
  /** Statistic per successful resample. */
  replicates: Float64Array;
  /** Resamples where the statistic threw or was not finite (e.g. no comparable pairs); they are skipped. */
  failed: number;
}

/** Paired comparison of two statistics on the same resamples. */
export interface PairedBootstrapResult {
  /** Statistic A on the full sample. */
  estimateA: number;
  /** Statistic B on the full sample. */
  estimateB: number;
  /** A − B on the full sample, with its percentile interval. */
  difference: BootstrapResult;
  /** Two-sided bootstrap p-value for A = B: 2·min(P*(Δ ≤ 0), P*(Δ ≥ 0)), capped at 1. */
  pValue: number;
}

/**
 * Percentile bootstrap interval of any statistic. `statistic(indices)` computes it on the subjects at
 * `indices` (a resample with replacement of 0…n−1; the first call gets the identity). Seeded and
 * deterministic.
 */
export function bootstrapCI(
  n: number,
  statistic: (indices: Uint32Array) => number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const { replicates, rng, confLevel } = setup(n, options);
  const estimate = statistic(identity(n));
  const values: number[] = [];
  let failed = 0;
  for (let b = 0; b < replicates; b++) {
    const value = tryStatistic(statistic, resample(n, rng));
    if (value === undefined) failed++;
    else values.push(value);
  }
  return summarise(estimate, Float64Array.from(values), failed, confLevel);
}

/**
 * Paired bootstrap of two models on the same subjects (e.g. two C-indices): each resample scores both,
 * so their correlation is kept. Returns both estimates, the interval of A − B and a p-value.
 */
export function pairedBootstrap(
  n: number,
  statisticA: (indices: Uint32Array) => number,
  statisticB: (indices: Uint32Array) => number,
  options: BootstrapOptions = {},
): PairedBootstrapResult {
  const { replicates, rng, confLevel } = setup(n, options);
  const all = identity(n);
  const estimateA = statisticA(all);
  const estimateB = statisticB(all);
  const differences: number[] = [];
  let failed = 0;
  for (let b = 0; b < replicates; b++) {
    const indices = resample(n, rng);
    const a = tryStatistic(statisticA, indices);
    const c = a === undefined ? undefined : tryStatistic(statisticB, indices);
    if (a === undefined || c === undefined) failed++;
    else differences.push(a - c);
  }
  const difference = summarise(estimateA - estimateB, Float64Array.from(differences), failed, confLevel);
  let atMost = 0;
  let atLeast = 0;
  for (const d of differences) {
    if (d <= 0) atMost++;
    if (d >= 0) atLeast++;
  }
  const m = Math.max(differences.length, 1);
  return { estimateA, estimateB, difference, pValue: Math.min(1, (2 * Math.min(atMost, atLeast)) / m) };
}

/** A survival metric of (time, event, risk), e.g. `(t, e, r) => harrellC(t, e, r).concordance`. */
export type SurvivalMetric = (time: Float64Array, event: Float64Array, risk: Float64Array) => number;

/**
 * Bootstrap interval of a survival metric: resamples subjects (time, event and risk together) and
 * re-evaluates `metric` on each resample.
 */
export function bootstrapSurvivalMetric(
  data: { time: ArrayLike<number>; event: ArrayLike<number | boolean>; risk: ArrayLike<number> },
  metric: SurvivalMetric,
  options: BootstrapOptions = {},
): BootstrapResult {
  const columns = survivalColumns(data.time, data.event, [data.risk]);
  return bootstrapCI(
    columns.n,
    (idx) => metric(take(columns.time, idx), take(columns.event, idx), take(columns.risks[0], idx)),
    options,
  );
}

/**
 * Paired bootstrap comparison of two models' risk scores on the same subjects under one metric (e.g. the
 * C-index of a new model against a baseline).
 */
export function compareSurvivalModels(
  data: {
    time: ArrayLike<number>;
    event: ArrayLike<number | boolean>;
    riskA: ArrayLike<number>;
    riskB: ArrayLike<number>;
  },
  metric: SurvivalMetric,
  options: BootstrapOptions = {},
): PairedBootstrapResult {
  const columns = survivalColumns(data.time, data.event, [data.riskA, data.riskB]);
  const on = (risk: Float64Array) => (idx: Uint32Array) =>
    metric(take(columns.time, idx), take(columns.event, idx), take(risk, idx));
  return pairedBootstrap(columns.n, on(columns.risks[0]), on(columns.risks[1]), options);
}

function survivalColumns(
  time: ArrayLike<number>,
  event: ArrayLike<number | boolean>,
  risks: ArrayLike<number>[],
) {
  const n = time.length;
  if (event.length !== n)
    throw new SurvivalInputError('event', `has length ${event.length} but time has length ${n}`);
  for (const [k, risk] of risks.entries()) {
    if (risk.length !== n)
      throw new SurvivalInputError(
        `risk${risks.length > 1 ? (k === 0 ? 'A' : 'B') : ''}`,
        `has length ${risk.length} but time has length ${n}`,
      );
  }
  return {
    n,
    time: Float64Array.from(time),
    event: Float64Array.from(Array.from(event, (e) => Number(e))),
    risks: risks.map((r) => Float64Array.from(r)),
  };
}

/** Picks `indices` out of each array: a convenience for statistics on resampled columns. */
export function take<T extends ArrayLike<number>>(values: T, indices: Uint32Array): Float64Array {
  const out = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[indices[k]];
  return out;
}

function setup(n: number, options: BootstrapOptions) {
  const replicates = options.replicates ?? 1000;
  const confLevel = options.confLevel ?? 0.95;
  if (!(Number.isInteger(n) && n > 0))
    throw new SurvivalInputError('n', `must be a positive integer, got ${n}`);
  if (!(Number.isInteger(replicates) && replicates > 0)) {
    throw new SurvivalInputError('replicates', `must be a positive integer, got ${replicates}`);
  }
  if (!(confLevel > 0 && confLevel < 1))
    throw new SurvivalInputError('confLevel', `must be in (0, 1), got ${confLevel}`);
  return { replicates, confLevel, rng: new Rng(options.seed ?? 0) };
}

function identity(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function resample(n: number, rng: Rng): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(n);
  return out;
}

function tryStatistic(statistic: (indices: Uint32Array) => number, indices: Uint32Array): number | undefined {
  try {
    const value = statistic(indices);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function summarise(
  estimate: number,
  values: Float64Array,
  failed: number,
  confLevel: number,
): BootstrapResult {
  if (values.length === 0) {
    throw new SurvivalInputError('statistic', `failed on every one of ${failed} bootstrap resamples`);
  }
  const sorted = Float64Array.from(values).sort();
  const alpha = (1 - confLevel) / 2;
  const at = (p: number) => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  };
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2;
  const standardError = Math.sqrt(variance / Math.max(values.length - 1, 1));
  return { estimate, lower: at(alpha), upper: at(1 - alpha), standardError, replicates: values, failed };
}
