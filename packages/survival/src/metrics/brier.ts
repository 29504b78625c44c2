import { CensoringDistribution } from '../concordance/censoring.js';
import { checkCurves, curveValue, gridIndex, type SurvivalCurves } from '../curves.js';
import { NoEventsError, SurvivalInputError } from '../errors.js';
import { checkFinite, checkSurvival, type EventArray, type NumericArray } from '../validate.js';

/** Options of {@link brierScore} and {@link integratedBrierScore}. */
export interface BrierOptions {
  /** Data for the censoring distribution G (e.g. the training set); default: the data being scored. */
  censoringFrom?: { time: NumericArray; event: EventArray };
}

/** Brier scores at the requested times. */
export interface BrierResult {
  /** Evaluation times. */
  times: Float64Array;
  /** IPCW Brier score at each time. */
  brier: Float64Array;
}

/**
 * Inverse-probability-of-censoring-weighted Brier score (Graf et al. 1999) of predicted survival curves:
 * BS(t) = (1/n) Σᵢ [ Ŝᵢ(t)²·1{Tᵢ ≤ t, event}/G(Tᵢ−) + (1 − Ŝᵢ(t))²·1{Tᵢ > t}/G(t) ].
 * Subjects censored by t contribute nothing directly; the weights make up for them.
 */
export function brierScore(
  time: NumericArray,
  event: EventArray,
  curves: SurvivalCurves,
  times: NumericArray,
  options: BrierOptions = {},
): BrierResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  checkCurves(curves, n);
  const evalTimes = checkFinite(times, 'times');
  const reference = options.censoringFrom
    ? checkSurvival(options.censoringFrom.time, options.censoringFrom.event, 'censoringFrom')
    : data;
  const censoring = CensoringDistribution.fit(reference.time, reference.event);
  const brier = new Float64Array(evalTimes.length);
  for (let q = 0; q < evalTimes.length; q++) {
    const t = evalTimes[q];
    const k = gridIndex(curves, t);
    const gt = censoring.at(t);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const s = curveValue(curves, i, k);
      if (data.time[i] > t) {
        if (!(gt > 0))
          throw new NoEventsError('times', `censoring survival G(${t}) is 0; choose earlier times`);
        sum += ((1 - s) * (1 - s)) / gt;
      } else if (data.event[i] === 1) {
        const g = censoring.before(data.time[i]);
        if (!(g > 0)) throw new NoEventsError('times', `censoring survival is 0 before ${data.time[i]}`);
        sum += (s * s) / g;
      }
    }
    brier[q] = sum / n;
  }
  return { times: evalTimes, brier };
}

/**
 * Integrated Brier score: the trapezoidal integral of {@link brierScore} over the (≥ 2, ascending)
 * evaluation times divided by their span, as scikit-survival's `integrated_brier_score`.
 */
export function integratedBrierScore(
  time: NumericArray,
  event: EventArray,
  curves: SurvivalCurves,
  times: NumericArray,
  options: BrierOptions = {},
): number {
  const { times: grid, brier } = brierScore(time, event, curves, times, options);
  if (grid.length < 2) throw new SurvivalInputError('times', 'needs at least 2 evaluation times');
  let area = 0;
  for (let q = 1; q < grid.length; q++) {
    if (!(grid[q] > grid[q - 1]))
      throw new SurvivalInputError('times', `must be strictly ascending (index ${q})`);
    area += ((brier[q] + brier[q - 1]) / 2) * (grid[q] - grid[q - 1]);
  }
  return area / (grid[grid.length - 1] - grid[0]);
}
