import { NoEventsError, SurvivalInputError } from '../errors.js';
import { checkFinite, checkSurvival, checkWeights, type EventArray, type NumericArray } from '../validate.js';
import { CensoringDistribution } from './censoring.js';
import { type ConcordanceResult, emptyInfluence, finishConcordance } from './harrell.js';
import { countPairs } from './pairCounts.js';

/** Options of {@link unoC}. */
export interface UnoOptions {
  /** Truncation time τ: only events at times ≤ τ anchor pairs. Default: the largest event time. */
  tau?: number;
  /** Case weights (pairs weigh wᵢ·wⱼ). */
  weights?: NumericArray;
  /**
   * Data to estimate the censoring distribution G from (e.g. the training set); default: the data
   * being scored.
   */
  censoringFrom?: { time: NumericArray; event: EventArray };
}

/**
 * Uno's C-index: Harrell's pairs, each anchored at an event time Tᵢ ≤ τ and weighted by 1/G(Tᵢ−)², where G
 * is the Kaplan–Meier estimate of the censoring distribution. This removes the dependence of Harrell's C
 * on the censoring pattern. Same pair and tie rules as {@link harrellC}; it equals R's
 * `concordance(Surv(time, event) ~ risk, reverse = TRUE, timewt = "n/G2", ymax = tau)`.
 */
export function unoC(
  time: NumericArray,
  event: EventArray,
  risk: NumericArray,
  options: UnoOptions = {},
): ConcordanceResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  const r = checkFinite(risk, 'risk', n);
  const weights = options.weights === undefined ? undefined : checkWeights(options.weights, n);
  const reference = options.censoringFrom
    ? checkSurvival(options.censoringFrom.time, options.censoringFrom.event, 'censoringFrom')
    : data;
  const censoring = CensoringDistribution.fit(reference.time, reference.event);
  const tau = options.tau ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(tau)) throw new SurvivalInputError('tau', 'is NaN');
  const eventWeight = (i: number) => {
    if (data.time[i] > tau) return 0;
    const g = censoring.before(data.time[i]);
    if (!(g > 0)) {
      throw new NoEventsError(
        'censoringFrom',
        `the censoring survival G is 0 before time ${data.time[i]}; choose a smaller tau`,
      );
    }
    return 1 / (g * g);
  };
  const influence = emptyInfluence(n);
  return finishConcordance(
    countPairs(data.time, data.event, r, weights, undefined, eventWeight, influence),
    influence,
    weights,
  );
}
