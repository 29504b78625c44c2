import { argsort } from '../math/sort.js';
import type { Design } from './design.js';

/** How tied event times enter the partial likelihood. */
export type Ties = 'breslow' | 'efron';

/**
 * Cox data laid out for one linear pass per Newton step: rows sorted by stratum, then by time descending,
 * covariates centred (as R does, for numerical stability; coefficients are unaffected).
 */
export interface CoxData {
  n: number;
  p: number;
  /** Centred covariates in sorted order, row-major. */
  x: Float64Array;
  /** Column means that were removed (weighted). */
  means: Float64Array;
  time: Float64Array;
  event: Uint8Array;
  weight: Float64Array;
  stratum: Int32Array;
  /** Start index of each tie group (same stratum and time), plus n at the end. */
  groupStart: Int32Array;
  /** Number of events in each tie group. */
  groupDeaths: Int32Array;
  /** Sorted position → original row. */
  order: Uint32Array;
}

/** Sorts and centres validated inputs. */
export function prepareCoxData(
  design: Design,
  time: Float64Array,
  event: Uint8Array,
  weight: Float64Array,
  strata: Int32Array,
): CoxData {
  const { n, p } = design;
  const byTime = argsort(time, true);
  const strataInTimeOrder = new Float64Array(n);
  for (let k = 0; k < n; k++) strataInTimeOrder[k] = strata[byTime[k]];
  const byStratum = argsort(strataInTimeOrder);
  const order = new Uint32Array(n);
  for (let k = 0; k < n; k++) order[k] = byTime[byStratum[k]];

  const means = new Float64Array(p);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) {
    totalWeight += weight[i];
    for (let j = 0; j < p; j++) means[j] += weight[i] * design.data[i * p + j];
  }
  for (let j = 0; j < p; j++) means[j] /= totalWeight;

  const x = new Float64Array(n * p);
  const sortedTime = new Float64Array(n);
  const sortedEvent = new Uint8Array(n);
  const sortedWeight = new Float64Array(n);
  const sortedStratum = new Int32Array(n);
  const starts: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k];
    for (let j = 0; j < p; j++) x[k * p + j] = design.data[i * p + j] - means[j];
    sortedTime[k] = time[i];
    sortedEvent[k] = event[i];
    sortedWeight[k] = weight[i];
    sortedStratum[k] = strata[i];
    if (k === 0 || sortedTime[k] !== sortedTime[k - 1] || sortedStratum[k] !== sortedStratum[k - 1])
      starts.push(k);
  }
  starts.push(n);
  const groupDeaths = new Int32Array(starts.length - 1);
  for (let g = 0; g < groupDeaths.length; g++) {
    for (let k = starts[g]; k < starts[g + 1]; k++) groupDeaths[g] += sortedEvent[k];
  }
  return {
    n,
    p,
    x,
    means,
    time: sortedTime,
    event: sortedEvent,
    weight: sortedWeight,
    stratum: sortedStratum,
    groupStart: Int32Array.from(starts),
    groupDeaths,
    order,
  };
}

/** Log partial likelihood with its gradient and (negative Hessian) information matrix. */
export interface CoxDerivatives {
  loglik: number;
  /** ∂ℓ/∂β. */
  score: Float64Array;
  /** −∂²ℓ/∂β², p×p row-major. */
  information: Float64Array;
}

/** Linear predictor of the centred, sorted rows. */
export function linearPredictor(data: CoxData, beta: Float64Array): Float64Array {
  const { n, p, x } = data;
  const eta = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += x[k * p + j] * beta[j];
    eta[k] = s;
  }
  return eta;
}

/**
 * ℓ(β), its score and information in one pass over risk sets that grow as time decreases. Efron's
 * correction replaces, for d tied deaths with risk sum D, the risk-set sum R by R − (r/d)·D for
 * r = 0…d−1, each term weighted by the deaths' mean case weight (as R's `coxph`).
 */
export function coxDerivatives(data: CoxData, beta: Float64Array, ties: Ties): CoxDerivatives {
  const { p, x, event, weight, stratum, groupStart, groupDeaths } = data;
  const eta = linearPredictor(data, beta);
  let shift = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < eta.length; k++) if (eta[k] > shift) shift = eta[k];
  const score = new Float64Array(p);
  const information = new Float64Array(p * p);
  const s1 = new Float64Array(p);
  const s2 = new Float64Array(p * p);
  const d1 = new Float64Array(p);
  const d2 = new Float64Array(p * p);
  const a = new Float64Array(p);
  let loglik = 0;
  let s0 = 0;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    const start = groupStart[g];
    const end = groupStart[g + 1];
    if (start === 0 || stratum[start] !== stratum[start - 1]) {
      s0 = 0;
      s1.fill(0);
      s2.fill(0);
    }
    let d0 = 0;
    let deaths = 0;
    let deathWeight = 0;
    // Only Efron's correction for tied deaths needs the deaths' own sums.
    const needDeathSums = ties === 'efron' && groupDeaths[g] > 1;
    if (needDeathSums) {
      d1.fill(0);
      d2.fill(0);
    }
    for (let k = start; k < end; k++) {
      const r = weight[k] * Math.exp(eta[k] - shift);
      const row = k * p;
      s0 += r;
      addOuter(s1, s2, x, row, p, r);
      if (event[k] === 1) {
        d0 += r;
        if (needDeathSums) addOuter(d1, d2, x, row, p, r);
        deaths++;
        deathWeight += weight[k];
        loglik += weight[k] * eta[k];
        for (let j = 0; j < p; j++) score[j] += weight[k] * x[row + j];
      }
    }
    if (deaths === 0) continue;
    if (ties === 'breslow' || deaths === 1) {
      addRiskSetTerm(
        s0,
        s1,
        s2,
        0,
        d1,
        d2,
        0,
        deathWeight,
        shift,
        p,
        a,
        score,
        information,
        (v) => (loglik -= v),
      );
    } else {
      const meanWeight = deathWeight / deaths;
      for (let r = 0; r < deaths; r++) {
        const f = r / deaths;
        addRiskSetTerm(
          s0,
          s1,
          s2,
          f * d0,
          d1,
          d2,
          f,
          meanWeight,
          shift,
          p,
          a,
          score,
          information,
          (v) => (loglik -= v),
        );
      }
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) information[i * p + j] = information[j * p + i];
  return { loglik, score, information };
}

/** sums += r·x_row (vector) and r·x_row·x_rowᵀ (upper triangle). */
function addOuter(
  v: Float64Array,
  m: Float64Array,
  x: Float64Array,
  row: number,
  p: number,
  r: number,
): void {
  for (let i = 0; i < p; i++) {
    const xi = r * x[row + i];
    v[i] += xi;
    for (let j = i; j < p; j++) m[i * p + j] += xi * x[row + j];
  }
}

/** Subtracts one (possibly Efron-reduced) risk-set term, weighted by `w`, from ℓ, score and information. */
function addRiskSetTerm(
  s0: number,
  s1: Float64Array,
  s2: Float64Array,
  reduce0: number,
  d1: Float64Array,
  d2: Float64Array,
  f: number,
  w: number,
  shift: number,
  p: number,
  a: Float64Array,
  score: Float64Array,
  information: Float64Array,
  subtractLoglik: (v: number) => void,
): void {
  const denominator = s0 - reduce0;
  subtractLoglik(w * (Math.log(denominator) + shift));
  for (let i = 0; i < p; i++) {
    a[i] = (s1[i] - f * d1[i]) / denominator;
    score[i] -= w * a[i];
  }
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      information[i * p + j] += w * ((s2[i * p + j] - f * d2[i * p + j]) / denominator - a[i] * a[j]);
    }
  }
}
