import { riskTable } from '../nonparametric/riskTable.js';
import { stepAt, stepBefore } from '../math/step.js';

/**
 * Kaplan–Meier estimate G of the censoring distribution (the "reverse" KM: censorings are the events),
 * used for inverse-probability-of-censoring weights. At a time where events and censorings tie, the
 * events are taken to happen first: the subjects dying at t are no longer at risk of being censored at t,
 * and an event at t is weighted by G(t−). This is the G of R's `concordance(timewt = "n/G2")`.
 */
export class CensoringDistribution {
  private constructor(
    /** Distinct observed times, ascending. */
    readonly times: Float64Array,
    /** G at those times. */
    readonly survival: Float64Array,
  ) {}

  /** Fits G from validated times and event flags. */
  static fit(time: Float64Array, event: Uint8Array, weight?: Float64Array): CensoringDistribution {
    const flipped = new Uint8Array(event.length);
    for (let i = 0; i < event.length; i++) flipped[i] = 1 - event[i];
    const table = riskTable(time, flipped, weight ?? new Float64Array(time.length).fill(1));
    const survival = new Float64Array(table.times.length);
    let g = 1;
    for (let k = 0; k < table.times.length; k++) {
      // Here nEvent counts censorings; the deaths at this time (nCensor of the flipped table) left first.
      const atRisk = table.nRisk[k] - table.nCensor[k];
      if (table.nEvent[k] > 0) g *= 1 - table.nEvent[k] / atRisk;
      survival[k] = g;
    }
    return new CensoringDistribution(table.times, survival);
  }

  /** G(t): probability of remaining uncensored through t. */
  at(t: number): number {
    return stepAt(this.times, this.survival, t, 1);
  }

  /** G(t−): probability of remaining uncensored until just before t. */
  before(t: number): number {
    return stepBefore(this.times, this.survival, t, 1);
  }
}
