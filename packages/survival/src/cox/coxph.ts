import { harrellC } from '../concordance/harrell.js';
import {
  SingularDesignError,
  SurvivalInputError,
  type SurvivalWarning,
  type WarningHandler,
  warn,
} from '../errors.js';
import { cholesky, choleskyInverse, choleskySolve, quadraticForm } from '../math/linalg.js';
import {
  checkSurvival,
  checkWeights,
  encodeLabels,
  requireEvents,
  type EventArray,
  type NumericArray,
} from '../validate.js';
import { baselineHazard } from './baseline.js';
import { robustVariance } from './robust.js';
import { checkNotSingular, type Covariates, toDesign } from './design.js';
import {
  type CoxData,
  coxDerivatives,
  type CoxDerivatives,
  prepareCoxData,
  type Ties,
} from './partialLikelihood.js';
import { CoxPHResult } from './result.js';

/** Options of {@link CoxPHFitter}. */
export interface CoxPHOptions {
  /** Tie handling; default `efron`, as R's `coxph`. */
  ties?: Ties;
  /** L2 (ridge) penalty λ: maximises ℓ(β) − (λ/2)·‖β‖² (R's `ridge(..., theta = λ, scale = FALSE)`). Default 0. */
  penalizer?: number;
  /** Relative change of the (penalised) log-likelihood that ends the iterations; default 1e-12. */
  tolerance?: number;
  /** Most Newton–Raphson iterations; default 30. */
  maxIterations?: number;
  /** Confidence level of the coefficient intervals; default 0.95. */
  confLevel?: number;
  /** Receives warnings (not converged, possibly infinite coefficients). */
  onWarning?: WarningHandler;
  /**
   * Report the robust (sandwich) variance, as R's `coxph(robust = TRUE)` — which R switches on by itself
   * for non-integer case weights. Standard errors, z, p, intervals and the Wald test then use it; the
   * model-based variance stays in `naiveVariance`. Default false.
   */
  robust?: boolean;
}

/** Inputs of {@link CoxPHFitter.fit}. */
export interface CoxPHInput {
  /** Covariates: rows (n × p) or named columns. */
  X: Covariates;
  /** Follow-up times (≥ 0). */
  time: NumericArray;
  /** 1 = event, 0 = censored. */
  event: EventArray;
  /** Case weights (default 1). */
  weights?: NumericArray;
  /** Stratum label per subject: separate baseline hazards, shared coefficients. */
  strata?: ArrayLike<string | number>;
  /** Column names for row input. */
  names?: string[];
}

/**
 * Cox proportional-hazards regression fitted by Newton–Raphson with step halving, the way R's `coxph`
 * does it: covariates centred, iterations from β = 0 until the log-likelihood's relative change is below
 * `tolerance`, halving any step that lowers it.
 */
export class CoxPHFitter {
  /** Tie handling used by {@link CoxPHFitter.fit}. */
  readonly ties: Ties;
  /** L2 penalty λ. */
  readonly penalizer: number;
  /** Relative log-likelihood change that ends the iterations. */
  readonly tolerance: number;
  /** Most Newton–Raphson iterations. */
  readonly maxIterations: number;
  /** Confidence level of the coefficient intervals. */
  readonly confLevel: number;

  /** Creates a fitter; throws {@link SurvivalInputError} on an unknown `ties` or a negative penalty. */
  constructor(
    /** The options as given. */
    readonly options: CoxPHOptions = {},
  ) {
    this.ties = options.ties ?? 'efron';
    this.penalizer = options.penalizer ?? 0;
    this.tolerance = options.tolerance ?? 1e-12;
    this.maxIterations = options.maxIterations ?? 30;
    this.confLevel = options.confLevel ?? 0.95;
    if (this.ties !== 'breslow' && this.ties !== 'efron') {
      throw new SurvivalInputError('ties', `must be 'breslow' or 'efron', got ${String(this.ties)}`);
    }
    if (!(this.penalizer >= 0) || !Number.isFinite(this.penalizer)) {
      throw new SurvivalInputError('penalizer', `must be a finite number ≥ 0, got ${this.penalizer}`);
    }
  }

  /** Fits the model; throws on bad input (typed errors naming the argument) or a singular design. */
  fit(input: CoxPHInput): CoxPHResult {
    const design = toDesign(input.X, input.names);
    const data = checkSurvival(input.time, input.event);
    if (design.n !== data.time.length) {
      throw new SurvivalInputError('X', `has ${design.n} rows but time has length ${data.time.length}`);
    }
    requireEvents(data.event, 'a Cox model');
    const n = design.n;
    const p = design.p;
    const weight = checkWeights(input.weights, n);
    const strata = input.strata ? encodeLabels(input.strata, n, 'strata') : undefined;
    const strataCodes = strata ? strata.codes : new Int32Array(n);
    checkNotSingular(design, weight, strataCodes);
    const cox = prepareCoxData(design, data.time, data.event, weight, strataCodes);
    const warnings: SurvivalWarning[] = [];
    const newton = this.newtonRaphson(cox, design.names, warnings);
    const beta = newton.beta;
    let variance = newton.variance;
    let waldStatistic = newton.waldStatistic;
    if (this.options.robust) {
      variance = robustVariance(cox, beta, this.ties, newton.variance);
      const factor = cholesky(variance, p, 1e-14);
      if (!factor.ok)
        throw new SingularDesignError([design.names[factor.failedColumn]], 'the robust variance is singular');
      waldStatistic = dot(choleskySolve(factor.lower, p, beta), beta);
    }
    const riskScores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += design.data[i * p + j] * beta[j];
      riskScores[i] = s;
    }
    const concordance = harrellC(data.time, data.event, riskScores, {
      weights: input.weights,
      strata: input.strata,
    });
    return new CoxPHResult({
      names: design.names,
      coefficients: beta,
      variance,
      naiveVariance: newton.variance,
      robust: this.options.robust === true,
      loglikNull: newton.null.loglik,
      loglik: newton.final.loglik,
      penalizedLoglik: newton.final.loglik - (this.penalizer / 2) * dot(beta, beta),
      scoreStatistic: newton.scoreStatistic,
      waldStatistic,
      iterations: newton.iterations,
      converged: newton.converged,
      n,
      nEvents: data.event.reduce((s, e) => s + e, 0),
      concordance,
      confLevel: this.confLevel,
      ties: this.ties,
      penalizer: this.penalizer,
      means: cox.means,
      baseline: baselineHazard(cox, beta, this.ties, strata?.levels),
      stratified: strata !== undefined,
      strataLevels: strata?.levels ?? [],
      warnings,
    });
  }

  private newtonRaphson(cox: CoxData, names: string[], warnings: SurvivalWarning[]) {
    const p = cox.p;
    const lambda = this.penalizer;
    let beta: Float64Array = new Float64Array(p);
    const nullDerivatives = coxDerivatives(cox, beta, this.ties);
    let current = nullDerivatives;
    let objective = current.loglik;
    const scoreStatistic = scoreTest(nullDerivatives, p, names);
    let converged = false;
    let iterations = 0;
    for (iterations = 1; iterations <= this.maxIterations; iterations++) {
      const { gradient, hessian } = penalise(current, beta, lambda, p);
      const factor = cholesky(hessian, p, 1e-12);
      if (!factor.ok) {
        throw new SingularDesignError(
          [names[factor.failedColumn]],
          `the information matrix became singular at column ${names[factor.failedColumn]}`,
        );
      }
      const step = choleskySolve(factor.lower, p, gradient);
      let candidate = add(beta, step, 1);
      let next = coxDerivatives(cox, candidate, this.ties);
      let nextObjective = next.loglik - (lambda / 2) * dot(candidate, candidate);
      for (let halving = 0; halving < 40; halving++) {
        const worse =
          !Number.isFinite(nextObjective) || nextObjective < objective - this.tolerance * Math.abs(objective);
        if (!worse) break;
        candidate = add(beta, sub(candidate, beta), 0.5);
        next = coxDerivatives(cox, candidate, this.ties);
        nextObjective = next.loglik - (lambda / 2) * dot(candidate, candidate);
      }
      const change = Math.abs(nextObjective - objective);
      beta = candidate;
      current = next;
      objective = nextObjective;
      if (change <= this.tolerance * Math.abs(objective)) {
        converged = true;
        break;
      }
    }
    iterations = Math.min(iterations, this.maxIterations);
    if (!converged) {
      warnings.push(
        warn(
          'not-converged',
          `Cox fit did not converge in ${this.maxIterations} iterations`,
          this.options.onWarning,
        ),
      );
    }
    const { gradient, hessian } = penalise(current, beta, lambda, p);
    const factor = cholesky(hessian, p, 1e-12);
    if (!factor.ok) {
      throw new SingularDesignError(
        [names[factor.failedColumn]],
        `the information matrix is singular at column ${names[factor.failedColumn]}`,
      );
    }
    const variance = choleskyInverse(factor.lower, p);
    // As R's coxph: a remaining Newton step that is still large means the likelihood flattened out
    // towards an infinite coefficient (monotone likelihood, e.g. a covariate that separates events).
    const remaining = choleskySolve(factor.lower, p, gradient);
    for (let j = 0; j < p; j++) {
      if (Math.abs(remaining[j]) > 1e-4 && Math.abs(remaining[j]) > 1e-4 * Math.abs(beta[j])) {
        warnings.push(
          warn(
            'infinite-coefficient',
            `log-likelihood converged before coefficient ${names[j]}; it may be infinite`,
            this.options.onWarning,
          ),
        );
      }
    }
    const waldStatistic = quadraticForm(hessian, p, beta);
    return {
      beta,
      variance,
      waldStatistic,
      null: nullDerivatives,
      final: current,
      scoreStatistic,
      iterations,
      converged,
    };
  }
}

/** Score test of β = 0: Uᵀ·I⁻¹·U at β = 0. */
function scoreTest(atZero: CoxDerivatives, p: number, names: string[]): number {
  const factor = cholesky(atZero.information, p, 1e-12);
  if (!factor.ok) {
    throw new SingularDesignError(
      [names[factor.failedColumn]],
      `the information matrix at β = 0 is singular at column ${names[factor.failedColumn]}`,
    );
  }
  const solved = choleskySolve(factor.lower, p, atZero.score);
  return dot(solved, atZero.score);
}

function penalise(d: CoxDerivatives, beta: Float64Array, lambda: number, p: number) {
  const gradient = Float64Array.from(d.score);
  const hessian = Float64Array.from(d.information);
  if (lambda > 0) {
    for (let j = 0; j < p; j++) {
      gradient[j] -= lambda * beta[j];
      hessian[j * p + j] += lambda;
    }
  }
  return { gradient, hessian };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function add(a: Float64Array, b: Float64Array, scale: number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + scale * b[i];
  return out;
}

function sub(a: Float64Array, b: Float64Array): Float64Array {
  return add(a, b, -1);
}
