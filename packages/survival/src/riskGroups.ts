import { SurvivalInputError } from './errors.js';
import { logRankTest, type LogRankResult } from './logRank.js';
import { argsort } from './math/sort.js';
import {
  type ConfidenceType,
  KaplanMeierFitter,
  type KaplanMeierResult,
} from './nonparametric/kaplanMeier.js';
import { checkFinite, checkSurvival, type EventArray, type NumericArray } from './validate.js';

/** How to cut risk scores into groups. */
export type RiskGrouping =
  | { method: 'median' }
  | { method: 'tertiles' }
  | { method: 'quantiles'; groups: number }
  | { method: 'cutPoints'; cutPoints: number[] };

/** Options of {@link stratifyByRisk}. */
export interface RiskGroupOptions {
  /** The grouping; default the median split. */
  grouping?: RiskGrouping;
  /** Group names, lowest risk first (default `low`/`high`, `low`/`intermediate`/`high`, or `G1`…). */
  labels?: string[];
  /** Confidence intervals of the per-group Kaplan–Meier curves. */
  confType?: ConfidenceType;
}

/** One risk group with its Kaplan–Meier curve. */
export interface RiskGroup {
  label: string;
  /** Indices of its members in the input. */
  indices: Uint32Array;
  /** Kaplan–Meier estimate of the group. */
  km: KaplanMeierResult;
}

/** Per-group Kaplan–Meier curves and the log-rank test between them: the data of a KM figure. */
export interface RiskGroupResult {
  /** Thresholds used: a score ≤ cutPoints[0] is the lowest group, and so on. */
  cutPoints: number[];
  /** Group index (0 = lowest risk) per subject. */
  assignment: Int32Array;
  /** The non-empty groups, lowest risk first. */
  groups: RiskGroup[];
  /** Log-rank test across the non-empty groups (undefined when fewer than 2 are non-empty or no event). */
  logRank: LogRankResult | undefined;
}

/**
 * Splits subjects by predicted risk (higher = worse) at the median, tertiles, k quantiles (R's type-7
 * quantiles) or given cut-points, and returns each group's Kaplan–Meier curve with the log-rank test.
 */
export function stratifyByRisk(
  time: NumericArray,
  event: EventArray,
  risk: NumericArray,
  options: RiskGroupOptions = {},
): RiskGroupResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  const scores = checkFinite(risk, 'risk', n);
  const grouping = options.grouping ?? { method: 'median' };
  const cutPoints = cutPointsFor(scores, grouping);
  const assignment = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let g = 0;
    while (g < cutPoints.length && scores[i] > cutPoints[g]) g++;
    assignment[i] = g;
  }
  const k = cutPoints.length + 1;
  const labels = options.labels ?? defaultLabels(k);
  if (labels.length !== k)
    throw new SurvivalInputError('labels', `has ${labels.length} names for ${k} groups`);
  const fitter = new KaplanMeierFitter({ confType: options.confType });
  const groups: RiskGroup[] = [];
  for (let g = 0; g < k; g++) {
    const members: number[] = [];
    for (let i = 0; i < n; i++) if (assignment[i] === g) members.push(i);
    if (members.length === 0) continue;
    const km = fitter.fit(
      members.map((i) => data.time[i]),
      members.map((i) => data.event[i]),
    );
    groups.push({ label: labels[g], indices: Uint32Array.from(members), km });
  }
  const logRank =
    groups.length >= 2 && data.event.includes(1)
      ? logRankTest(
          data.time,
          data.event,
          Array.from(assignment, (g) => labels[g]),
        )
      : undefined;
  return { cutPoints, assignment, groups, logRank };
}

function cutPointsFor(scores: Float64Array, grouping: RiskGrouping): number[] {
  switch (grouping.method) {
    case 'median':
      return [quantile(scores, 0.5)];
    case 'tertiles':
      return [quantile(scores, 1 / 3), quantile(scores, 2 / 3)];
    case 'quantiles': {
      const k = grouping.groups;
      if (!(Number.isInteger(k) && k >= 2))
        throw new SurvivalInputError('grouping.groups', `must be an integer ≥ 2, got ${k}`);
      return Array.from({ length: k - 1 }, (_, q) => quantile(scores, (q + 1) / k));
    }
    case 'cutPoints': {
      const cuts = grouping.cutPoints;
      for (let q = 1; q < cuts.length; q++) {
        if (!(cuts[q] > cuts[q - 1]))
          throw new SurvivalInputError('grouping.cutPoints', 'must be strictly ascending');
      }
      if (cuts.length === 0 || cuts.some((c) => !Number.isFinite(c))) {
        throw new SurvivalInputError('grouping.cutPoints', 'must be one or more finite numbers');
      }
      return [...cuts];
    }
  }
}

/** R's default (type 7) sample quantile. */
export function quantile(values: Float64Array, p: number): number {
  const order = argsort(values);
  const h = (values.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, values.length - 1);
  return values[order[lo]] + (h - lo) * (values[order[hi]] - values[order[lo]]);
}

function defaultLabels(k: number): string[] {
  if (k === 2) return ['low', 'high'];
  if (k === 3) return ['low', 'intermediate', 'high'];
  return Array.from({ length: k }, (_, g) => `G${g + 1}`);
}
