import { type CoxData, linearPredictor, type Ties } from './partialLikelihood.js';

/**
 * Robust (sandwich) variance V·(Σᵢ wᵢ²·rᵢ·rᵢᵀ)·V of a Cox fit, from the score residuals rᵢ and the
 * model-based variance V — R's `coxph(..., robust = TRUE)`, which R also uses by default for
 * non-integer case weights. The score residual of subject i is
 * δᵢ·(xᵢ − ā(tᵢ)) − e^{ηᵢ}·Σ_{event groups g with i at risk} c_g·(xᵢ − ā_g), where c_g = d_g / S0_g (Breslow);
 * Efron splits each tied group into d terms with reduced sums, deaths of the group taking weight 1 − r/d.
 */
export function robustVariance(
  data: CoxData,
  beta: Float64Array,
  ties: Ties,
  variance: Float64Array,
): Float64Array {
  const residuals = scoreResiduals(data, beta, ties);
  const { n, p, weight } = data;
  const meat = new Float64Array(p * p);
  for (let k = 0; k < n; k++) {
    const w2 = weight[k] * weight[k];
    for (let a = 0; a < p; a++) {
      const ra = w2 * residuals[k * p + a];
      for (let b = 0; b < p; b++) meat[a * p + b] += ra * residuals[k * p + b];
    }
  }
  return multiply(multiply(variance, meat, p), variance, p);
}

/** Score residuals (sorted order, n×p row-major). */
function scoreResiduals(data: CoxData, beta: Float64Array, ties: Ties): Float64Array {
  const { n, p, x, event, weight, stratum, groupStart } = data;
  const eta = linearPredictor(data, beta);
  let shift = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < n; k++) if (eta[k] > shift) shift = eta[k];
  const risk = Float64Array.from(eta, (e) => Math.exp(e - shift));
  const groups = groupStart.length - 1;
  // Per group: Σ c, Σ c·ā (all at risk), the deaths' versions (weights 1 − r/d), and the deaths' mean ā.
  const g1 = new Float64Array(groups);
  const g2 = new Float64Array(groups * p);
  const h1 = new Float64Array(groups);
  const h2 = new Float64Array(groups * p);
  const deathMean = new Float64Array(groups * p);
  const s1 = new Float64Array(p);
  const d1 = new Float64Array(p);
  let s0 = 0;
  for (let g = 0; g < groups; g++) {
    const start = groupStart[g];
    const end = groupStart[g + 1];
    if (start === 0 || stratum[start] !== stratum[start - 1]) {
      s0 = 0;
      s1.fill(0);
    }
    let d0 = 0;
    d1.fill(0);
    let deaths = 0;
    let deathWeight = 0;
    for (let k = start; k < end; k++) {
      const r = weight[k] * risk[k];
      s0 += r;
      for (let j = 0; j < p; j++) s1[j] += r * x[k * p + j];
      if (event[k] === 1) {
        d0 += r;
        for (let j = 0; j < p; j++) d1[j] += r * x[k * p + j];
        deaths++;
        deathWeight += weight[k];
      }
    }
    if (deaths === 0) continue;
    const terms = ties === 'breslow' || deaths === 1 ? 1 : deaths;
    const termWeight = terms === 1 ? deathWeight : deathWeight / deaths;
    for (let r = 0; r < terms; r++) {
      const f = terms === 1 ? 0 : r / deaths;
      const denominator = s0 - f * d0;
      const c = termWeight / denominator;
      g1[g] += c;
      h1[g] += (1 - f) * c;
      for (let j = 0; j < p; j++) {
        const mean = (s1[j] - f * d1[j]) / denominator;
        g2[g * p + j] += c * mean;
        h2[g * p + j] += (1 - f) * c * mean;
        deathMean[g * p + j] += mean / terms;
      }
    }
  }
  const residuals = new Float64Array(n * p);
  // Walk groups from the earliest time up (the end of each stratum block), accumulating earlier groups.
  const earlier1 = { value: 0 };
  const earlier2 = new Float64Array(p);
  for (let g = groups - 1; g >= 0; g--) {
    const start = groupStart[g];
    const end = groupStart[g + 1];
    if (end === n || stratum[end] !== stratum[start]) {
      earlier1.value = 0;
      earlier2.fill(0);
    }
    for (let k = start; k < end; k++) {
      const own1 = event[k] === 1 ? h1[g] : g1[g];
      const own2 = event[k] === 1 ? h2 : g2;
      for (let j = 0; j < p; j++) {
        const xj = x[k * p + j];
        const compensator = risk[k] * (xj * (earlier1.value + own1) - earlier2[j] - own2[g * p + j]);
        residuals[k * p + j] = (event[k] === 1 ? xj - deathMean[g * p + j] : 0) - compensator;
      }
    }
    earlier1.value += g1[g];
    for (let j = 0; j < p; j++) earlier2[j] += g2[g * p + j];
  }
  return residuals;
}

function multiply(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < p; k++) {
      const aik = a[i * p + k];
      for (let j = 0; j < p; j++) out[i * p + j] += aik * b[k * p + j];
    }
  }
  return out;
}
