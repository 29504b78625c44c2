import type { ConcordanceResult } from '../concordance/harrell.js';
import type { SurvivalCurves } from '../curves.js';
import { SurvivalInputError, type SurvivalWarning } from '../errors.js';
import { chiSquareSurvival, normalQuantile, normalTwoSidedP } from '../math/distributions.js';
import { stepAt } from '../math/step.js';
import type { NumericArray } from '../validate.js';
import type { StratumHazard } from './baseline.js';
import { type Covariates, toDesign } from './design.js';
import type { Ties } from './partialLikelihood.js';

/** A chi-square test of all coefficients being zero. */
export interface ChiSquareTest {
  /** Test statistic. */
  statistic: number;
  /** Degrees of freedom (number of coefficients). */
  df: number;
  /** P(χ²_df > statistic). */
  pValue: number;
}

/** One row of {@link CoxPHResult.summary}. */
export interface CoefficientRow {
  name: string;
  coef: number;
  /** exp(coef): the hazard ratio for a one-unit increase. */
  hazardRatio: number;
  se: number;
  z: number;
  p: number;
  lower: number;
  upper: number;
}

/** Everything {@link CoxPHFitter} computes, handed to {@link CoxPHResult}. */
export interface CoxPHFitState {
  names: string[];
  coefficients: Float64Array;
  variance: Float64Array;
  naiveVariance: Float64Array;
  robust: boolean;
  loglikNull: number;
  loglik: number;
  penalizedLoglik: number;
  scoreStatistic: number;
  waldStatistic: number;
  iterations: number;
  converged: boolean;
  n: number;
  nEvents: number;
  concordance: ConcordanceResult;
  confLevel: number;
  ties: Ties;
  penalizer: number;
  means: Float64Array;
  baseline: StratumHazard[];
  stratified: boolean;
  strataLevels: (string | number)[];
  warnings: SurvivalWarning[];
}

/** A fitted Cox proportional-hazards model: estimates, tests, baseline hazard and predictions. */
export class CoxPHResult {
  /** Covariate names, in coefficient order. */
  readonly names: string[];
  /** β̂. */
  readonly coefficients: Float64Array;
  /** Standard errors √diag(variance): model-based √diag(I⁻¹) (penalised information with a penalty), or robust. */
  readonly standardErrors: Float64Array;
  /** Wald z = β̂ / se. */
  readonly z: Float64Array;
  /** Two-sided p-values of z. */
  readonly pValues: Float64Array;
  /** Lower confidence limits of β. */
  readonly lower: Float64Array;
  /** Upper confidence limits of β. */
  readonly upper: Float64Array;
  /** exp(β̂). */
  readonly hazardRatios: Float64Array;
  /** Variance–covariance matrix of β̂ (p×p, row-major): the robust one when `robust`, else = `naiveVariance`. */
  readonly variance: Float64Array;
  /** Model-based variance, the inverse (penalised) information (R's `naive.var`). */
  readonly naiveVariance: Float64Array;
  /** Whether standard errors and the Wald test use the robust (sandwich) variance. */
  readonly robust: boolean;
  /** [log-likelihood at β = 0, at β̂] (R's `fit$loglik`; unpenalised). */
  readonly loglik: [number, number];
  /** ℓ(β̂) − (λ/2)·‖β̂‖². */
  readonly penalizedLoglik: number;
  /** Likelihood-ratio test 2·(ℓ(β̂) − ℓ(0)). */
  readonly likelihoodRatioTest: ChiSquareTest;
  /** Wald test β̂ᵀ·I·β̂. */
  readonly waldTest: ChiSquareTest;
  /** Score (log-rank) test Uᵀ·I⁻¹·U at β = 0. */
  readonly scoreTest: ChiSquareTest;
  /** Harrell's C of the linear predictor (within strata), as R's `concordance(fit)`. */
  readonly concordance: ConcordanceResult;
  /** Newton–Raphson iterations used. */
  readonly iterations: number;
  /** Whether the log-likelihood converged within the iteration limit. */
  readonly converged: boolean;
  /** Observations. */
  readonly n: number;
  /** Events. */
  readonly nEvents: number;
  /** Tie handling used. */
  readonly ties: Ties;
  /** L2 penalty used. */
  readonly penalizer: number;
  /** Weighted covariate means (the centring point). */
  readonly means: Float64Array;
  /** Warnings raised while fitting. */
  readonly warnings: SurvivalWarning[];
  private readonly baseline: StratumHazard[];
  private readonly stratified: boolean;
  private readonly strataLevels: (string | number)[];

  constructor(state: CoxPHFitState) {
    const p = state.names.length;
    this.names = state.names;
    this.coefficients = state.coefficients;
    this.variance = state.variance;
    this.naiveVariance = state.naiveVariance;
    this.robust = state.robust;
    this.standardErrors = new Float64Array(p);
    this.z = new Float64Array(p);
    this.pValues = new Float64Array(p);
    this.lower = new Float64Array(p);
    this.upper = new Float64Array(p);
    this.hazardRatios = new Float64Array(p);
    const zCrit = normalQuantile(1 - (1 - state.confLevel) / 2);
    for (let j = 0; j < p; j++) {
      const se = Math.sqrt(state.variance[j * p + j]);
      this.standardErrors[j] = se;
      this.z[j] = state.coefficients[j] / se;
      this.pValues[j] = normalTwoSidedP(this.z[j]);
      this.lower[j] = state.coefficients[j] - zCrit * se;
      this.upper[j] = state.coefficients[j] + zCrit * se;
      this.hazardRatios[j] = Math.exp(state.coefficients[j]);
    }
    this.loglik = [state.loglikNull, state.loglik];
    this.penalizedLoglik = state.penalizedLoglik;
    const test = (statistic: number): ChiSquareTest => ({
      statistic,
      df: p,
      pValue: chiSquareSurvival(statistic, p),
    });
    this.likelihoodRatioTest = test(2 * (state.loglik - state.loglikNull));
    this.waldTest = test(state.waldStatistic);
    this.scoreTest = test(state.scoreStatistic);
    this.concordance = state.concordance;
    this.iterations = state.iterations;
    this.converged = state.converged;
    this.n = state.n;
    this.nEvents = state.nEvents;
    this.ties = state.ties;
    this.penalizer = state.penalizer;
    this.means = state.means;
    this.warnings = state.warnings;
    this.baseline = state.baseline;
    this.stratified = state.stratified;
    this.strataLevels = state.strataLevels;
  }

  /** Coefficient table (one row per covariate). */
  summary(): CoefficientRow[] {
    return this.names.map((name, j) => ({
      name,
      coef: this.coefficients[j],
      hazardRatio: this.hazardRatios[j],
      se: this.standardErrors[j],
      z: this.z[j],
      p: this.pValues[j],
      lower: this.lower[j],
      upper: this.upper[j],
    }));
  }

  /** The summary as a fixed-width text table with the tests underneath, in the spirit of R's `summary(coxph)`. */
  formatSummary(): string {
    const number = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));
    const header = ['', 'coef', 'exp(coef)', 'se(coef)', 'z', 'p', 'lower .95', 'upper .95'];
    const rows = this.summary().map((r) =>
      [r.name, r.coef, r.hazardRatio, r.se, r.z, r.p, Math.exp(r.lower), Math.exp(r.upper)].map((v) =>
        typeof v === 'number' ? number(v) : v,
      ),
    );
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const format = (cells: string[]) =>
      cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
    const test = (name: string, t: ChiSquareTest) =>
      `${name} ${t.statistic.toFixed(2)} on ${t.df} df, p = ${t.pValue.toExponential(3)}`;
    return [
      `n = ${this.n}, events = ${this.nEvents}, ties = ${this.ties}${this.penalizer > 0 ? `, L2 penalty = ${this.penalizer}` : ''}`,
      format(header),
      ...rows.map(format),
      `Concordance = ${this.concordance.concordance.toFixed(3)} (se = ${this.concordance.standardError.toFixed(3)})`,
      test('Likelihood ratio test =', this.likelihoodRatioTest),
      test('Wald test             =', this.waldTest),
      test('Score (log-rank) test =', this.scoreTest),
    ].join('\n');
  }

  /** Linear predictor xᵀβ̂ (uncentred) for new rows or columns; higher means higher hazard. */
  predictRisk(X: Covariates): Float64Array {
    const design = toDesign(X, Array.isArray(X) || ArrayBuffer.isView(X) ? undefined : this.names);
    const p = this.names.length;
    if (design.p !== p) throw new SurvivalInputError('X', `has ${design.p} columns, the model has ${p}`);
    const out = new Float64Array(design.n);
    for (let i = 0; i < design.n; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += design.data[i * p + j] * this.coefficients[j];
      out[i] = s;
    }
    return out;
  }

  /**
   * Baseline cumulative hazard per stratum at the event times. `centered` (default false) gives it at the
   * covariate means (R's `basehaz(fit)`), otherwise at x = 0 (`basehaz(fit, centered = FALSE)`).
   */
  baselineHazard(centered = false): StratumHazard[] {
    const shift = centered ? 0 : this.meanRisk();
    return this.baseline.map((s) => ({
      stratum: s.stratum,
      times: s.times,
      cumulativeHazard: s.cumulativeHazard.map((h) => h * Math.exp(-shift)),
    }));
  }

  /**
   * Predicted survival curves Ŝ(t | x) = exp(−Ĥ₀(t)·exp((x − x̄)ᵀβ̂)) on `times` (default: the event
   * times of the model, or of the subject's stratum for a stratified model — then pass `strata`).
   */
  predictSurvival(
    X: Covariates,
    options: { times?: NumericArray; strata?: ArrayLike<string | number> } = {},
  ): SurvivalCurves {
    const risk = this.predictRisk(X);
    const shift = this.meanRisk();
    if (this.stratified && !options.strata) {
      throw new SurvivalInputError('strata', 'the model is stratified: give each row its stratum');
    }
    const times = options.times
      ? Float64Array.from(options.times)
      : Float64Array.from(new Set(this.baseline.flatMap((s) => [...s.times]))).sort();
    const survival = Array.from(risk, (r, i) => {
      const hazard = this.stratumHazard(options.strata?.[i]);
      const scale = Math.exp(r - shift);
      return Float64Array.from(times, (t) =>
        Math.exp(-stepAt(hazard.times, hazard.cumulativeHazard, t, 0) * scale),
      );
    });
    return { times, survival };
  }

  private stratumHazard(label: string | number | undefined): StratumHazard {
    if (!this.stratified) return this.baseline[0];
    const found = this.baseline.find((s) => s.stratum === label);
    if (found) return found;
    // A stratum seen in fitting but without events has a zero baseline hazard.
    if (this.strataLevels.includes(label as string | number)) {
      return { stratum: label, times: new Float64Array(0), cumulativeHazard: new Float64Array(0) };
    }
    throw new SurvivalInputError('strata', `unknown stratum ${String(label)}`);
  }

  private meanRisk(): number {
    let s = 0;
    for (let j = 0; j < this.means.length; j++) s += this.means[j] * this.coefficients[j];
    return s;
  }
}
