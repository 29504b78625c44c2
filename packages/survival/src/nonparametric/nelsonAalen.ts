import { SurvivalInputError } from '../errors.js';
import { normalQuantile } from '../math/distributions.js';
import { stepAt } from '../math/step.js';
import { checkSurvival, checkWeights, type EventArray, type NumericArray } from '../validate.js';
import { riskTable } from './riskTable.js';

/** Options of {@link NelsonAalenFitter}. */
export interface NelsonAalenOptions {
  /** Confidence level of the (log-transformed) intervals; default 0.95. */
  confLevel?: number;
}

/** Nelson–Aalen cumulative hazard at every distinct observed time (ascending). */
export class NelsonAalenResult {
  constructor(
    /** Distinct observed times. */
    readonly times: Float64Array,
    /** Weighted number at risk. */
    readonly nRisk: Float64Array,
    /** Weighted number of events. */
    readonly nEvent: Float64Array,
    /** Ĥ(t) = Σ_{tₖ ≤ t} dₖ / nₖ. */
    readonly cumulativeHazard: Float64Array,
    /** Standard error √(Σ dₖ / nₖ²) (R's `std.chaz` for `ctype = 1`). */
    readonly stdErr: Float64Array,
    /** Lower confidence limit, Ĥ·exp(−z·σ/Ĥ). */
    readonly lower: Float64Array,
    /** Upper confidence limit, Ĥ·exp(z·σ/Ĥ). */
    readonly upper: Float64Array,
  ) {}

  /** Ĥ(t) for any t (0 before the first time). */
  cumulativeHazardAt(t: number): number {
    return stepAt(this.times, this.cumulativeHazard, t, 0);
  }
}

/** Nelson–Aalen estimator of the cumulative hazard. */
export class NelsonAalenFitter {
  /** Confidence level of the intervals. */
  readonly confLevel: number;

  /** Creates a fitter; throws {@link SurvivalInputError} on a confidence level outside (0, 1). */
  constructor(options: NelsonAalenOptions = {}) {
    this.confLevel = options.confLevel ?? 0.95;
    if (!(this.confLevel > 0 && this.confLevel < 1)) {
      throw new SurvivalInputError('confLevel', `must be in (0, 1), got ${this.confLevel}`);
    }
  }

  /** Estimates H(t) from right-censored data with optional case weights. */
  fit(time: NumericArray, event: EventArray, weights?: NumericArray): NelsonAalenResult {
    const data = checkSurvival(time, event);
    const table = riskTable(data.time, data.event, checkWeights(weights, data.time.length));
    const m = table.times.length;
    const hazard = new Float64Array(m);
    const stdErr = new Float64Array(m);
    const lower = new Float64Array(m);
    const upper = new Float64Array(m);
    const z = normalQuantile(1 - (1 - this.confLevel) / 2);
    let h = 0;
    let variance = 0;
    for (let k = 0; k < m; k++) {
      const d = table.nEvent[k];
      const r = table.nRisk[k];
      h += d / r;
      variance += d / (r * r);
      hazard[k] = h;
      stdErr[k] = Math.sqrt(variance);
      const factor = h > 0 ? Math.exp((z * stdErr[k]) / h) : 1;
      lower[k] = h / factor;
      upper[k] = h * factor;
    }
    return new NelsonAalenResult(table.times, table.nRisk, table.nEvent, hazard, stdErr, lower, upper);
  }
}
