import { NoEventsError, SurvivalInputError } from './errors.js';
import { cholesky, choleskySolve } from './math/linalg.js';
import { chiSquareSurvival } from './math/distributions.js';
import { argsort } from './math/sort.js';
import { checkSurvival, encodeLabels, type EventArray, type NumericArray } from './validate.js';

/** Options of {@link logRankTest}. */
export interface LogRankOptions {
  /** Stratum label per subject: the test sums observed − expected and variances over strata. */
  strata?: ArrayLike<string | number>;
}

/** Result of the log-rank test (R's `survdiff` with `rho = 0`). */
export interface LogRankResult {
  /** Group labels, sorted. */
  groups: (string | number)[];
  /** Number of subjects per group. */
  n: number[];
  /** Observed events per group. */
  observed: number[];
  /** Expected events per group under the null of equal hazards. */
  expected: number[];
  /** k×k variance matrix of observed − expected (row-major). */
  variance: Float64Array;
  /** Chi-square statistic. */
  chisq: number;
  /** Degrees of freedom: groups with a positive expected count, minus one. */
  df: number;
  /** P(χ²_df > chisq). */
  pValue: number;
}

/**
 * Log-rank test that k ≥ 2 groups share one survival curve, optionally stratified. Matches R's
 * `survdiff(Surv(time, status) ~ group + strata(s))`: the chi-square uses the variance with the first
 * group (and any with zero expected events) dropped.
 */
export function logRankTest(
  time: NumericArray,
  event: EventArray,
  group: ArrayLike<string | number>,
  options: LogRankOptions = {},
): LogRankResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  const { codes, levels } = encodeLabels(group, n, 'group');
  const k = levels.length;
  if (k < 2) throw new SurvivalInputError('group', `needs at least 2 groups, got ${k}`);
  if (!data.event.includes(1)) {
    throw new NoEventsError('event', 'all observations are censored; the log-rank test needs events');
  }
  const strata = options.strata ? encodeLabels(options.strata, n, 'strata').codes : new Int32Array(n);
  const observed = new Array<number>(k).fill(0);
  const expected = new Array<number>(k).fill(0);
  const counts = new Array<number>(k).fill(0);
  const variance = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    counts[codes[i]]++;
    observed[codes[i]] += data.event[i];
  }
  for (const members of groupByStratum(strata)) {
    accumulateStratum(members, data, codes, k, expected, variance);
  }
  const { chisq, df } = chiSquareOfDifference(observed, expected, variance, k);
  return {
    groups: levels,
    n: counts,
    observed,
    expected,
    variance,
    chisq,
    df,
    pValue: chiSquareSurvival(chisq, df),
  };
}

function groupByStratum(strata: Int32Array): number[][] {
  const byStratum = new Map<number, number[]>();
  for (let i = 0; i < strata.length; i++) {
    let list = byStratum.get(strata[i]);
    if (!list) {
      list = [];
      byStratum.set(strata[i], list);
    }
    list.push(i);
  }
  return [...byStratum.values()];
}

/** Adds one stratum's expected counts and hypergeometric variances, walking event times in order. */
function accumulateStratum(
  members: number[],
  data: { time: Float64Array; event: Uint8Array },
  codes: Int32Array,
  k: number,
  expected: number[],
  variance: Float64Array,
): void {
  const times = members.map((i) => data.time[i]);
  const order = argsort(times);
  const atRisk = new Array<number>(k).fill(0);
  for (const i of members) atRisk[codes[i]]++;
  let total = members.length;
  const deaths = new Array<number>(k).fill(0);
  let start = 0;
  while (start < order.length) {
    const t = times[order[start]];
    let end = start;
    deaths.fill(0);
    let d = 0;
    while (end < order.length && times[order[end]] === t) {
      const i = members[order[end]];
      if (data.event[i] === 1) {
        deaths[codes[i]]++;
        d++;
      }
      end++;
    }
    if (d > 0) {
      const scale = total > 1 ? (d * (total - d)) / (total - 1) : 0;
      for (let g = 0; g < k; g++) {
        const share = atRisk[g] / total;
        expected[g] += d * share;
        for (let h = 0; h < k; h++) {
          variance[g * k + h] += scale * share * ((g === h ? 1 : 0) - atRisk[h] / total);
        }
      }
    }
    for (let q = start; q < end; q++) atRisk[codes[members[order[q]]]]--;
    total -= end - start;
    start = end;
  }
}

function chiSquareOfDifference(
  observed: number[],
  expected: number[],
  variance: Float64Array,
  k: number,
): { chisq: number; df: number } {
  const kept: number[] = [];
  for (let g = 0; g < k; g++) if (expected[g] > 0) kept.push(g);
  const used = kept.slice(1);
  const p = used.length;
  if (p === 0) return { chisq: 0, df: 0 };
  const v = new Float64Array(p * p);
  const diff = new Float64Array(p);
  for (let a = 0; a < p; a++) {
    diff[a] = observed[used[a]] - expected[used[a]];
    for (let b = 0; b < p; b++) v[a * p + b] = variance[used[a] * k + used[b]];
  }
  const factor = cholesky(v, p, 1e-12);
  if (!factor.ok) throw new SurvivalInputError('group', 'the log-rank variance matrix is singular');
  const solved = choleskySolve(factor.lower, p, diff);
  let chisq = 0;
  for (let a = 0; a < p; a++) chisq += solved[a] * diff[a];
  return { chisq, df: p };
}
