import { tf } from 'renal-core';
import { SurvivalInputError, type WarningHandler, warn } from '../errors.js';
import { argsort } from '../math/sort.js';
import type { Ties } from '../cox/partialLikelihood.js';
import { checkSurvival, checkWeights, type EventArray, type NumericArray } from '../validate.js';

/** Options of {@link coxPartialLikelihoodLoss}. */
export interface CoxLossOptions {
  /** Tied event times: `breslow` (default, the usual deep-survival loss) or `efron`. */
  ties?: Ties;
  /** Case weights (≥ 0), one per sample. */
  weights?: NumericArray;
  /** `mean` (default): divide by the summed weights of the events; `sum`: the plain negative log-likelihood. */
  reduction?: 'mean' | 'sum';
  /** Receives the warning raised for a batch without events (default: `process.emitWarning`). */
  onWarning?: WarningHandler;
}

/** The negative log partial likelihood and its gradient with respect to the risk scores, in float64. */
export interface CoxLossValue {
  /** −ℓ (after the reduction). */
  loss: number;
  /** ∂loss/∂ηᵢ per sample, in input order. */
  gradient: Float64Array;
  /** Summed weights of the events (0 for a batch without events). */
  eventWeight: number;
}

/**
 * Negative Cox partial log-likelihood of predicted log-risk scores η (shape [n] or [n, 1]) as a
 * differentiable TensorFlow.js scalar, for training a network's Cox head (DeepSurv-style).
 *
 * Computed in float64 (on the CPU, from the scores' values): subjects sorted by time, each risk-set sum
 * kept as exp(running max)·(rescaled sum) so that no exponential overflows, Efron's reduced sums as
 * R·(1 − f·D/R), and the gradient assembled from a second rescaled cumulative sum — so large or widely
 * spread scores never overflow and no NaN appears. The gradient flows back through `tf.customGrad`, so
 * the loss works on every backend. A batch
 * without events returns 0 (with a zero gradient) and raises a `no-events` warning.
 */
export function coxPartialLikelihoodLoss(
  riskScores: tf.Tensor,
  time: NumericArray | tf.Tensor,
  event: EventArray | tf.Tensor,
  options: CoxLossOptions = {},
): tf.Scalar {
  const n = riskScores.size;
  if (riskScores.rank > 2 || (riskScores.rank === 2 && riskScores.shape[1] !== 1)) {
    throw new SurvivalInputError(
      'riskScores',
      `must have shape [n] or [n, 1], got [${riskScores.shape.join(', ')}]`,
    );
  }
  const times = time instanceof tf.Tensor ? time.dataSync() : time;
  const events = event instanceof tf.Tensor ? event.dataSync() : event;
  const data = checkSurvival(times, events);
  if (data.time.length !== n) {
    throw new SurvivalInputError('riskScores', `has ${n} values but time has length ${data.time.length}`);
  }
  const weights = checkWeights(options.weights, n);
  const lossWithGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const scores = args[0] as tf.Tensor;
    const eta = scores.dataSync();
    const value = coxLossValue(
      eta,
      data.time,
      data.event,
      weights,
      options.ties ?? 'breslow',
      options.reduction ?? 'mean',
    );
    if (value.eventWeight === 0) {
      warn('no-events', `Cox loss: the batch of ${n} samples has no events; returning 0`, options.onWarning);
    }
    const gradient = Float32Array.from(value.gradient);
    return {
      value: tf.scalar(value.loss),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, tf.tensor(gradient, scores.shape)),
    };
  });
  return lossWithGradient(riskScores) as tf.Scalar;
}

/**
 * The loss and gradient of {@link coxPartialLikelihoodLoss} in plain JavaScript (float64), for use outside
 * TensorFlow.js. Throws on a NaN or infinite score, naming its index.
 */
export function coxLossValue(
  eta: ArrayLike<number>,
  time: Float64Array,
  event: Uint8Array,
  weight: Float64Array,
  ties: Ties,
  reduction: 'mean' | 'sum',
): CoxLossValue {
  const n = eta.length;
  // term = η + log w: each subject's log contribution to a risk-set sum (−∞ for weight 0).
  const term = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(eta[i]))
      throw new SurvivalInputError('riskScores', `is not finite (${eta[i]}) at index ${i}`);
    term[i] = weight[i] === 1 ? eta[i] : eta[i] + Math.log(weight[i]);
  }
  const order = argsort(time, true);
  const gradient = new Float64Array(n);
  const groupStart: number[] = [];
  for (let k = 0; k < n; k++) if (k === 0 || time[order[k]] !== time[order[k - 1]]) groupStart.push(k);
  groupStart.push(n);
  const groups = groupStart.length - 1;
  const logCoefficient = new Float64Array(groups).fill(Number.NEGATIVE_INFINITY);
  let loss = 0;
  let eventWeight = 0;
  // The risk-set sum is kept as exp(riskMax)·riskScaled, rescaled when a larger term arrives: one exp
  // per subject instead of a log-add-exp, and no overflow however large the scores.
  let riskMax = Number.NEGATIVE_INFINITY;
  let riskScaled = 0;
  // Pass 1 (time descending): risk sets, the loss, and each group's contribution to later gradients.
  for (let g = 0; g < groups; g++) {
    let deaths = 0;
    let deathWeight = 0;
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) {
      const i = order[k];
      if (weight[i] === 0) continue;
      const t = term[i];
      if (t > riskMax) {
        riskScaled = riskScaled * Math.exp(riskMax - t) + 1;
        riskMax = t;
      } else {
        riskScaled += Math.exp(t - riskMax);
      }
      if (event[i] === 1) {
        deaths++;
        deathWeight += weight[i];
        loss -= weight[i] * eta[i];
        gradient[i] -= weight[i];
      }
    }
    if (deaths === 0) continue;
    eventWeight += deathWeight;
    const logRisk = riskMax + Math.log(riskScaled);
    if (ties === 'breslow' || deaths === 1) {
      loss += deathWeight * logRisk;
      logCoefficient[g] = Math.log(deathWeight) - logRisk;
    } else {
      const start = groupStart[g];
      const end = groupStart[g + 1];
      const efron = efronGroup(
        order,
        start,
        end,
        term,
        event,
        weight,
        gradient,
        logRisk,
        deaths,
        deathWeight,
      );
      loss += efron.loss;
      logCoefficient[g] = efron.logCoefficient;
    }
  }
  // Pass 2 (time ascending): every subject collects the coefficients of the groups it was at risk for,
  // again as a rescaled running sum.
  let accMax = Number.NEGATIVE_INFINITY;
  let accScaled = 0;
  for (let g = groups - 1; g >= 0; g--) {
    const c = logCoefficient[g];
    if (c > accMax) {
      accScaled = accScaled * Math.exp(accMax - c) + 1;
      accMax = c;
    } else if (c !== Number.NEGATIVE_INFINITY) {
      accScaled += Math.exp(c - accMax);
    }
    if (accMax === Number.NEGATIVE_INFINITY) continue;
    const logAccumulated = accMax + Math.log(accScaled);
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) {
      const i = order[k];
      if (weight[i] > 0) gradient[i] += Math.exp(term[i] + logAccumulated);
    }
  }
  if (eventWeight === 0) return { loss: 0, gradient: new Float64Array(n), eventWeight: 0 };
  if (reduction === 'mean') {
    loss /= eventWeight;
    for (let i = 0; i < n; i++) gradient[i] /= eventWeight;
  }
  return { loss, gradient, eventWeight };
}

/**
 * Efron's terms for one group of d tied deaths: Σᵣ w̄·log(R − (r/d)·D) with R the risk-set sum and D the
 * deaths' sum, the log of the coefficient every member of the risk set collects in its gradient, and the
 * deaths' own correction (they leave the reduced sums with weight r/d), applied to `gradient` here.
 */
function efronGroup(
  order: Uint32Array,
  start: number,
  end: number,
  term: Float64Array,
  event: Uint8Array,
  weight: Float64Array,
  gradient: Float64Array,
  logRisk: number,
  deaths: number,
  deathWeight: number,
): { loss: number; logCoefficient: number } {
  let share = 0; // D / R, the deaths' share of the risk set
  for (let k = start; k < end; k++) {
    const i = order[k];
    if (event[i] === 1 && weight[i] > 0) share += Math.exp(term[i] - logRisk);
  }
  const meanWeight = deathWeight / deaths;
  let loss = 0;
  let inverseSum = 0;
  let deathCorrection = 0;
  for (let r = 0; r < deaths; r++) {
    const f = r / deaths;
    const reduced = 1 - f * share; // (R − f·D) / R
    loss += meanWeight * (logRisk + Math.log(reduced));
    inverseSum += 1 / reduced;
    deathCorrection += f / reduced;
  }
  for (let k = start; k < end; k++) {
    const i = order[k];
    if (event[i] === 1 && weight[i] > 0)
      gradient[i] -= Math.exp(term[i] - logRisk) * meanWeight * deathCorrection;
  }
  return { loss, logCoefficient: Math.log(meanWeight * inverseSum) - logRisk };
}
