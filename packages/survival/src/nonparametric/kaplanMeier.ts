import { SurvivalInputError, type WarningHandler } from '../errors.js';
import { normalQuantile } from '../math/distributions.js';
import { stepAt } from '../math/step.js';
import { checkSurvival, checkWeights, type EventArray, type NumericArray } from '../validate.js';
import { riskTable } from './riskTable.js';

/**
 * How a pointwise confidence interval for S(t) is built from Greenwood's variance: `plain` (S ± z·σ·S,
 * clipped to [0, 1]), `log` (on log S; R's `survfit` default) or `log-log` (on log(−log S); always inside
 * [0, 1]).
 */
export type ConfidenceType = 'plain' | 'log' | 'log-log';

/** Options of {@link KaplanMeierFitter}. */
export interface KaplanMeierOptions {
  /** Confidence interval transform; default `log`, as R's `survfit`. */
  confType?: ConfidenceType;
  /** Confidence level; default 0.95. */
  confLevel?: number;
  /** Receives warnings (none are raised today; kept for symmetry with the other fitters). */
  onWarning?: WarningHandler;
}

/** A quantile of the survival distribution with its confidence limits (NaN when not reached). */
export interface SurvivalQuantile {
  /** Time at which S first falls to 1 − p (NaN when the curve never gets that low). */
  time: number;
  /** Lower confidence limit. */
  lower: number;
  /** Upper confidence limit. */
  upper: number;
}

/** Kaplan–Meier estimate at every distinct observed time (ascending). */
export class KaplanMeierResult {
  constructor(
    /** Distinct observed times (events and censorings). */
    readonly times: Float64Array,
    /** Weighted number at risk just before each time. */
    readonly nRisk: Float64Array,
    /** Weighted number of events at each time. */
    readonly nEvent: Float64Array,
    /** Weighted number censored at each time. */
    readonly nCensor: Float64Array,
    /** Ŝ(t). */
    readonly survival: Float64Array,
    /** Greenwood standard error of −log Ŝ(t) (R's `std.err`); Infinity once Ŝ reaches 0. */
    readonly stdErr: Float64Array,
    /** Lower confidence limit of S(t) (NaN where undefined, i.e. after Ŝ reaches 0, as R's NA). */
    readonly lower: Float64Array,
    /** Upper confidence limit of S(t). */
    readonly upper: Float64Array,
    /** The transform used for the intervals. */
    readonly confType: ConfidenceType,
    /** The confidence level of the intervals. */
    readonly confLevel: number,
  ) {}

  /** Ŝ(t) for any t (a right-continuous step; 1 before the first time). */
  survivalAt(t: number): number {
    return stepAt(this.times, this.survival, t, 1);
  }

  /** Ŝ at many times. */
  predict(times: NumericArray): Float64Array {
    return Float64Array.from(Array.from(times, (t) => this.survivalAt(t)));
  }

  /**
   * The time at which survival first falls to 1 − p, with confidence limits read off the confidence
   * bands, following R's `quantile.survfit`: when Ŝ equals 1 − p exactly over an interval, the midpoint of
   * that interval is returned.
   */
  quantile(p: number): SurvivalQuantile {
    if (!(p > 0 && p < 1)) throw new SurvivalInputError('p', `must be in (0, 1), got ${p}`);
    const target = 1 - p;
    return {
      time: quantileOfCurve(this.times, this.nEvent, this.survival, target),
      lower: quantileOfCurve(this.times, this.nEvent, this.lower, target),
      upper: quantileOfCurve(this.times, this.nEvent, this.upper, target),
    };
  }

  /** Median survival time and its confidence interval (`quantile(0.5)`). */
  get median(): SurvivalQuantile {
    return this.quantile(0.5);
  }
}

/** Kaplan–Meier (product-limit) estimator with Greenwood confidence intervals. */
export class KaplanMeierFitter {
  /** Confidence interval transform. */
  readonly confType: ConfidenceType;
  /** Confidence level. */
  readonly confLevel: number;

  /** Creates a fitter; throws {@link SurvivalInputError} on a confidence level outside (0, 1). */
  constructor(
    /** The options as given. */
    readonly options: KaplanMeierOptions = {},
  ) {
    this.confType = options.confType ?? 'log';
    this.confLevel = options.confLevel ?? 0.95;
    if (!(this.confLevel > 0 && this.confLevel < 1)) {
      throw new SurvivalInputError('confLevel', `must be in (0, 1), got ${this.confLevel}`);
    }
  }

  /** Estimates S(t) from right-censored data; `weights` are optional case weights. */
  fit(time: NumericArray, event: EventArray, weights?: NumericArray): KaplanMeierResult {
    const data = checkSurvival(time, event);
    const w = checkWeights(weights, data.time.length);
    const table = riskTable(data.time, data.event, w);
    const m = table.times.length;
    const survival = new Float64Array(m);
    const stdErr = new Float64Array(m);
    let s = 1;
    let greenwood = 0;
    for (let k = 0; k < m; k++) {
      const d = table.nEvent[k];
      const r = table.nRisk[k];
      if (d > 0) {
        s *= 1 - d / r;
        greenwood += r > d ? d / (r * (r - d)) : Number.POSITIVE_INFINITY;
      }
      survival[k] = s;
      stdErr[k] = Math.sqrt(greenwood);
    }
    const { lower, upper } = confidenceBands(survival, stdErr, this.confType, this.confLevel);
    return new KaplanMeierResult(
      table.times,
      table.nRisk,
      table.nEvent,
      table.nCensor,
      survival,
      stdErr,
      lower,
      upper,
      this.confType,
      this.confLevel,
    );
  }
}

/** Pointwise confidence limits of S from the standard error of −log S, as R's `survfit` builds them. */
export function confidenceBands(
  survival: Float64Array,
  stdErr: Float64Array,
  confType: ConfidenceType,
  confLevel: number,
): { lower: Float64Array; upper: Float64Array } {
  const z = normalQuantile(1 - (1 - confLevel) / 2);
  const m = survival.length;
  const lower = new Float64Array(m);
  const upper = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const s = survival[k];
    const se = stdErr[k];
    if (se === 0) {
      lower[k] = s;
      upper[k] = s;
    } else if (s === 0 || !Number.isFinite(se)) {
      lower[k] = Number.NaN;
      upper[k] = Number.NaN;
    } else if (confType === 'plain') {
      lower[k] = Math.max(0, s - z * se * s);
      upper[k] = Math.min(1, s + z * se * s);
    } else if (confType === 'log') {
      lower[k] = Math.exp(Math.log(s) - z * se);
      upper[k] = Math.min(1, Math.exp(Math.log(s) + z * se));
    } else {
      const logS = Math.log(s);
      const center = Math.log(-logS);
      const spread = Math.abs((z * se) / logS);
      lower[k] = Math.exp(-Math.exp(center + spread));
      upper[k] = Math.exp(-Math.exp(center - spread));
    }
  }
  return { lower, upper };
}

/**
 * First event time at which `curve` ≤ target; the midpoint to the next event time when the curve sits
 * exactly on the target (R's rule). NaN when the curve never gets that low.
 */
function quantileOfCurve(
  times: Float64Array,
  nEvent: Float64Array,
  curve: Float64Array,
  target: number,
): number {
  const tolerance = Math.sqrt(2.220446049250313e-16);
  const eventIdx: number[] = [];
  for (let k = 0; k < times.length; k++) if (nEvent[k] > 0) eventIdx.push(k);
  for (let e = 0; e < eventIdx.length; e++) {
    const value = curve[eventIdx[e]];
    if (Number.isNaN(value)) return Number.NaN;
    if (Math.abs(value - target) < tolerance) {
      const next = e + 1 < eventIdx.length ? times[eventIdx[e + 1]] : times[eventIdx[e]];
      return (times[eventIdx[e]] + next) / 2;
    }
    if (value < target) return times[eventIdx[e]];
  }
  return Number.NaN;
}
