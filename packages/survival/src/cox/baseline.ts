import type { CoxData, Ties } from './partialLikelihood.js';
import { linearPredictor } from './partialLikelihood.js';

/** Cumulative baseline hazard of one stratum at its event times (ascending), for centred covariates. */
export interface StratumHazard {
  /** Stratum label (`undefined` for an unstratified model). */
  stratum: string | number | undefined;
  /** Distinct event times, ascending. */
  times: Float64Array;
  /** Ĥ₀(t) at those times, for a subject at the covariate means. */
  cumulativeHazard: Float64Array;
}

/**
 * Breslow's estimator of the baseline cumulative hazard, ΔĤ₀(t) = d(t) / Σ_{risk set} w·exp(η); with
 * `efron` the tied deaths see the Efron-reduced risk sets, as R's `survfit.coxph` does for an Efron fit.
 */
export function baselineHazard(
  data: CoxData,
  beta: Float64Array,
  method: Ties,
  strataLevels: (string | number)[] | undefined,
): StratumHazard[] {
  const { event, weight, stratum, groupStart, time } = data;
  const eta = linearPredictor(data, beta);
  const perStratum = new Map<number, { times: number[]; increments: number[] }>();
  let s0 = 0;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    const start = groupStart[g];
    const end = groupStart[g + 1];
    if (start === 0 || stratum[start] !== stratum[start - 1]) s0 = 0;
    let d0 = 0;
    let deaths = 0;
    let deathWeight = 0;
    for (let k = start; k < end; k++) {
      const r = weight[k] * Math.exp(eta[k]);
      s0 += r;
      if (event[k] === 1) {
        d0 += r;
        deaths++;
        deathWeight += weight[k];
      }
    }
    if (deaths === 0) continue;
    let increment = 0;
    if (method === 'breslow' || deaths === 1) increment = deathWeight / s0;
    else {
      const meanWeight = deathWeight / deaths;
      for (let r = 0; r < deaths; r++) increment += meanWeight / (s0 - (r / deaths) * d0);
    }
    let entry = perStratum.get(stratum[start]);
    if (!entry) {
      entry = { times: [], increments: [] };
      perStratum.set(stratum[start], entry);
    }
    entry.times.push(time[start]);
    entry.increments.push(increment);
  }
  return [...perStratum.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([code, entry]) => {
      const times = Float64Array.from(entry.times.reverse());
      const increments = entry.increments.reverse();
      const cumulativeHazard = new Float64Array(times.length);
      let h = 0;
      for (let k = 0; k < times.length; k++) cumulativeHazard[k] = h += increments[k];
      return { stratum: strataLevels ? strataLevels[code] : undefined, times, cumulativeHazard };
    });
}
