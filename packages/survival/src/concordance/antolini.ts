import { checkCurves, curveValue, gridIndex, type SurvivalCurves } from '../curves.js';
import { checkSurvival, type EventArray, type NumericArray } from '../validate.js';
import { finishConcordance, type ConcordanceResult } from './harrell.js';

/** Options of {@link antoliniC}. */
export interface AntoliniOptions {
  /**
   * How a comparable pair with equal predicted survival at the event time counts: 0 (Antolini's
   * definition and pycox's `concordance_td('antolini')`, the default) or ½.
   */
  tiedPredictionCredit?: 0 | 0.5;
}

/**
 * Antolini's time-dependent concordance for predicted survival curves: over comparable pairs (i had an
 * event at Tᵢ and j outlived it — Tⱼ > Tᵢ, or Tⱼ = Tᵢ with j censored), the share where Ŝᵢ(Tᵢ) < Ŝⱼ(Tᵢ).
 * For proportional-hazards curves it equals Harrell's C. O(n²) time, O(1) extra memory.
 */
export function antoliniC(
  time: NumericArray,
  event: EventArray,
  curves: SurvivalCurves,
  options: AntoliniOptions = {},
): ConcordanceResult {
  const data = checkSurvival(time, event);
  const n = data.time.length;
  checkCurves(curves, n);
  const credit = options.tiedPredictionCredit ?? 0;
  let concordant = 0;
  let discordant = 0;
  let tied = 0;
  let tiedTime = 0;
  for (let i = 0; i < n; i++) {
    if (data.event[i] === 0) continue;
    const ti = data.time[i];
    const k = gridIndex(curves, ti);
    const si = curveValue(curves, i, k);
    for (let j = 0; j < n; j++) {
      const tj = data.time[j];
      if (tj < ti || j === i) continue;
      if (tj === ti && data.event[j] === 1) {
        if (j > i) tiedTime++;
        continue;
      }
      const sj = curveValue(curves, j, k);
      if (si < sj) concordant++;
      else if (si > sj) discordant++;
      else tied++;
    }
  }
  const result = finishConcordance({ concordant, discordant, tiedRisk: tied, tiedTime, tiedTimeAndRisk: 0 });
  if (credit === 0) result.concordance = concordant / result.comparable;
  return result;
}
