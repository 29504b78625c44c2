import { NoEventsError } from '../errors.js';
import {
  checkFinite,
  checkSurvival,
  checkWeights,
  encodeLabels,
  type EventArray,
  type NumericArray,
} from '../validate.js';
import { countPairs, type PairCounts, type PairInfluence } from './pairCounts.js';

/** Options shared by the concordance indices. */
export interface ConcordanceOptions {
  /** Case weights; a pair weighs wᵢ·wⱼ (as R's `concordance`). */
  weights?: NumericArray;
  /** Stratum labels: only pairs within a stratum are compared (as a stratified `coxph`). */
  strata?: ArrayLike<string | number>;
  /** Compute the infinitesimal-jackknife standard error (as R); default true. Costs a second O(n log n) pass. */
  standardError?: boolean;
}

/** A concordance index with the pair counts it was computed from. */
export interface ConcordanceResult extends PairCounts {
  /** (concordant + tiedRisk/2) / (concordant + discordant + tiedRisk). */
  concordance: number;
  /** Weighted number of comparable pairs (concordant + discordant + tiedRisk). */
  comparable: number;
  /**
   * Infinitesimal-jackknife standard error of the C-index (R's `sqrt(concordance(...)$var)`), when
   * requested; NaN otherwise.
   */
  standardError: number;
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
  const influence = options.standardError === false ? undefined : emptyInfluence(n);
  const counts = countPairs(data.time, data.event, r, weights, strata, undefined, influence);
  return finishConcordance(counts, influence, weights);
}

/** Zeroed per-subject pair counts. */
export function emptyInfluence(n: number): PairInfluence {
  return { concordant: new Float64Array(n), discordant: new Float64Array(n), tied: new Float64Array(n) };
}

/**
 * Turns pair counts into a C-index, refusing the 0/0 case. With per-subject counts it adds R's
 * infinitesimal-jackknife standard error: Somers' d = (C − D)/N has influence
 * wₖ·((cₖ − dₖ)/N − d·(cₖ + dₖ + tₖ)/N) per subject, Var(d) = Σ influence², Var(C) = Var(d)/4.
 */
export function finishConcordance(
  counts: PairCounts,
  influence?: PairInfluence,
  weights?: Float64Array,
): ConcordanceResult {
  const comparable = counts.concordant + counts.discordant + counts.tiedRisk;
  if (!(comparable > 0)) {
    throw new NoEventsError('event', 'no comparable pairs (all censored, or every event at the last time)');
  }
  let standardError = Number.NaN;
  if (influence) {
    const somers = (counts.concordant - counts.discordant) / comparable;
    let variance = 0;
    for (let k = 0; k < influence.concordant.length; k++) {
      const c = influence.concordant[k];
      const d = influence.discordant[k];
      const dfbeta =
        (weights ? weights[k] : 1) *
        ((c - d) / comparable - (somers / comparable) * (c + d + influence.tied[k]));
      variance += dfbeta * dfbeta;
    }
    standardError = Math.sqrt(variance / 4);
  }
  return {
    ...counts,
    comparable,
    concordance: (counts.concordant + counts.tiedRisk / 2) / comparable,
    standardError,
  };
}
