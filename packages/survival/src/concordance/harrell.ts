import { NoEventsError } from '../errors.js';
import {
  checkFinite,
  checkSurvival,
  checkWeights,
  encodeLabels,
  type EventArray,
  type NumericArray,
} from '../validate.js';
import { countPairs, type PairCounts } from './pairCounts.js';

/** Options shared by the concordance indices. */
export interface ConcordanceOptions {
  /** Case weights; a pair weighs wᵢ·wⱼ (as R's `concordance`). */
  weights?: NumericArray;
  /** Stratum labels: only pairs within a stratum are compared (as a stratified `coxph`). */
  strata?: ArrayLike<string | number>;
}

/** A concordance index with the pair counts it was computed from. */
export interface ConcordanceResult extends PairCounts {
  /** (concordant + tiedRisk/2) / (concordant + discordant + tiedRisk). */
  concordance: number;
  /** Weighted number of comparable pairs (concordant + discordant + tiedRisk). */
  comparable: number;
}

/**
 * Harrell's C-index in O(n log n). `risk` is a risk score: higher means earlier failure (a Cox linear
 * predictor, a hazard ratio). Equals R's `concordance(Surv(time, event) ~ risk, reverse = TRUE)` and
 * `concordance(coxph_fit)`, and lifelines' `concordance_index(time, -risk, event)`:
 * - a pair is comparable when the shorter time is an event; a subject censored at the same time as an
 *   event counts as outliving it; two events at the same time are not compared (`tiedTime`);
 * - comparable pairs with tied risk count ½ (`tiedRisk`).
 * Throws {@link NoEventsError} when no pair is comparable (e.g. all censored).
 */
export function harrellC(
  time: NumericArray,
  event: EventArray,
  risk: NumericArray,
  options: ConcordanceOptions = {},
): ConcordanceResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  const r = checkFinite(risk, 'risk', n);
  const weights = options.weights === undefined ? undefined : checkWeights(options.weights, n);
  const strata = options.strata === undefined ? undefined : encodeLabels(options.strata, n, 'strata').codes;
  return finishConcordance(countPairs(data.time, data.event, r, weights, strata));
}

/** Turns pair counts into a C-index, refusing the 0/0 case. */
export function finishConcordance(counts: PairCounts): ConcordanceResult {
  const comparable = counts.concordant + counts.discordant + counts.tiedRisk;
  if (!(comparable > 0)) {
    throw new NoEventsError('event', 'no comparable pairs (all censored, or every event at the last time)');
  }
  return { ...counts, comparable, concordance: (counts.concordant + counts.tiedRisk / 2) / comparable };
}
