import { CensoringDistribution } from '../concordance/censoring.js';
import { NoEventsError, SurvivalInputError } from '../errors.js';
import { argsort } from '../math/sort.js';
import { stepAt } from '../math/step.js';
import { riskTable } from '../nonparametric/riskTable.js';
import { checkFinite, checkSurvival, type EventArray, type NumericArray } from '../validate.js';

/** Options of {@link cumulativeDynamicAuc}. */
export interface TimeAucOptions {
  /** Data for the censoring distribution G (e.g. the training set); default: the data being scored. */
  censoringFrom?: { time: NumericArray; event: EventArray };
}

/** AUC(t) at each requested time, and their survival-weighted mean. */
export interface TimeAucResult {
  /** The evaluation times. */
  times: Float64Array;
  /** Cumulative/dynamic AUC at each time. */
  auc: Float64Array;
  /**
   * Mean AUC weighted by the Kaplan–Meier probability mass at each time
   * (Σ AUC(tₖ)·(Ŝ(tₖ₋₁) − Ŝ(tₖ)) / (1 − Ŝ(t_last)) with Ŝ(t₀) = 1, as scikit-survival).
   */
  meanAuc: number;
}

/**
 * Cumulative/dynamic time-dependent AUC with inverse-probability-of-censoring weights (Uno et al. 2007,
 * Hung & Chiang 2010): cases are subjects with an event by t (weighted 1/G(Tᵢ−)), controls are those still
 * event-free after t; AUC(t) is the weighted share of case–control pairs where the case has the higher
 * risk, ties counting ½. O(n log n) per time.
 */
export function cumulativeDynamicAuc(
  time: NumericArray,
  event: EventArray,
  risk: NumericArray,
  times: NumericArray,
  options: TimeAucOptions = {},
): TimeAucResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  const r = checkFinite(risk, 'risk', n);
  const evalTimes = checkFinite(times, 'times');
  const reference = options.censoringFrom
    ? checkSurvival(options.censoringFrom.time, options.censoringFrom.event, 'censoringFrom')
    : data;
  const censoring = CensoringDistribution.fit(reference.time, reference.event);
  const auc = new Float64Array(evalTimes.length);
  const byRisk = argsort(r);
  for (let q = 0; q < evalTimes.length; q++) auc[q] = aucAt(data, r, byRisk, censoring, evalTimes[q]);
  return { times: evalTimes, auc, meanAuc: weightedMean(data, evalTimes, auc) };
}

function aucAt(
  data: { time: Float64Array; event: Uint8Array },
  risk: Float64Array,
  byRisk: Uint32Array,
  censoring: CensoringDistribution,
  t: number,
): number {
  // Walk subjects in ascending risk: every control seen so far has lower risk than the current case.
  let controlsBelow = 0;
  let controls = 0;
  let caseWeight = 0;
  let numerator = 0;
  const n = byRisk.length;
  for (let i = 0; i < n; i++) if (data.time[i] > t) controls++;
  let start = 0;
  while (start < n) {
    let end = start;
    const value = risk[byRisk[start]];
    let tiedControls = 0;
    while (end < n && risk[byRisk[end]] === value) {
      if (data.time[byRisk[end]] > t) tiedControls++;
      end++;
    }
    for (let q = start; q < end; q++) {
      const i = byRisk[q];
      if (data.event[i] === 1 && data.time[i] <= t) {
        const g = censoring.before(data.time[i]);
        if (!(g > 0))
          throw new NoEventsError('censoringFrom', `censoring survival is 0 before ${data.time[i]}`);
        caseWeight += 1 / g;
        numerator += (controlsBelow + tiedControls / 2) / g;
      }
    }
    controlsBelow += tiedControls;
    start = end;
  }
  if (controls === 0 || caseWeight === 0) {
    throw new SurvivalInputError(
      'times',
      `at t = ${t} there are ${caseWeight === 0 ? 'no cases (events by t)' : 'no controls (subjects beyond t)'}`,
    );
  }
  return numerator / (caseWeight * controls);
}

function weightedMean(
  data: { time: Float64Array; event: Uint8Array },
  times: Float64Array,
  auc: Float64Array,
): number {
  // scikit-survival's weights: the Kaplan–Meier mass −ΔŜ at each evaluation time, starting from Ŝ = 1.
  const table = riskTable(data.time, data.event, new Float64Array(data.time.length).fill(1));
  const survival = new Float64Array(table.times.length);
  let s = 1;
  for (let k = 0; k < survival.length; k++) {
    s *= 1 - table.nEvent[k] / table.nRisk[k];
    survival[k] = s;
  }
  let previous = 1;
  let total = 0;
  let mass = 0;
  for (let q = 0; q < times.length; q++) {
    const current = stepAt(table.times, survival, times[q], 1);
    total += auc[q] * (previous - current);
    mass += previous - current;
    previous = current;
  }
  return mass > 0 ? total / mass : auc.reduce((a, b) => a + b, 0) / auc.length;
}
