import { tf } from 'renal-core';
import { chunkRanges, rows } from './chunks.js';
import type { ResolvedGroups } from './groups.js';
import { type PairWeights, pairWeights, restorePairWeights } from './pair-weights.js';

/** Configuration of {@link infoNceCore}. */
export interface InfoNceConfig {
  groups: ResolvedGroups;
  /** Weight of the group (positive) targets: 1 − label smoothing. */
  positiveWeight: number;
  /** Image rows per chunk; one chunk keeps its exponentials for the backward pass instead of recomputing. */
  chunkSize: number;
}

type Core = (images: tf.Tensor2D, texts: tf.Tensor2D, scale: tf.Scalar) => tf.Scalar;

/**
 * The part of the symmetric InfoNCE loss that involves the whole logit matrix, as one differentiable
 * op of (x̂, ŷ, s): ½[meanᵢ lse(row i) + meanⱼ lse(column j)] − w·Σᵢⱼ Wᵢⱼ Lᵢⱼ with L = s·x̂ŷᵀ and
 * W the {@link PairWeights}. Its gradient with respect to L is
 * G = softmax_rows/(2N) + softmax_cols/(2M) − w·W, pushed through the matrix product by hand.
 *
 * Speed notes (tfjs-wasm): matrix products are written without transpose flags, which are 15–50×
 * slower there, and column reductions use a product with a ones vector.
 */
export function infoNceCore(config: InfoNceConfig): Core {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, s] = args as [tf.Tensor2D, tf.Tensor2D, tf.Scalar];
    const save = args[3] as tf.GradSaveFunc;
    const weights = pairWeights(config.groups, x.shape[0], y.shape[0]);
    const forward = forwardPass(x, y, s, weights, config);
    const kept = forward.kept ? [forward.kept.rowProbabilities, forward.kept.colProbabilities] : [];
    const { rowMax, rowScale, colMax, colScale } = forward.stats;
    save([x, y, s, rowMax, rowScale, colMax, colScale, ...kept, ...weights.tensors]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Scalar];
      const stats = { rowMax: saved[3], rowScale: saved[4], colMax: saved[5], colScale: saved[6] };
      const restoredKept =
        kept.length === 2 ? { rowProbabilities: saved[7], colProbabilities: saved[8] } : undefined;
      const weightTensors = saved.slice(7 + kept.length);
      const restored =
        weights.diagonalCoefficient !== undefined ? weights : restorePairWeights(weightTensors);
      const state = { x: sx, y: sy, s: ss, stats, weights: restored, kept: restoredKept };
      return backwardPass(dy as tf.Scalar, state, config);
    };
    return { value: forward.value, gradFunc };
  }) as Core;
}

/** Row- and column-softmax pieces kept from a one-chunk forward pass (each already scaled by 1/(2N), 1/(2M)). */
interface Kept {
  rowProbabilities: tf.Tensor;
  colProbabilities: tf.Tensor;
}

/**
 * Per-row and per-column softmax statistics: softmax_rows/(2N) = exp(L − rowMax)·rowScale and
 * softmax_cols/(2M) = exp(L − colMax)·colScale. Keeping the maxima separate (rather than one
 * log-sum-exp shift) keeps the exponent exact at the maximum, which matters at logit scale 100 where
 * an ulp of the shift is 8e-6 and the gradient of the logit scale is a near-cancelling sum.
 */
interface SoftmaxStats {
  /** `[N, 1]` */
  rowMax: tf.Tensor;
  /** `[N, 1]`: 1/(2N·Σⱼ exp(Lᵢⱼ − rowMaxᵢ)) */
  rowScale: tf.Tensor;
  /** `[1, M]` */
  colMax: tf.Tensor;
  /** `[1, M]`: 1/(2M·Σᵢ exp(Lᵢⱼ − colMaxⱼ)) */
  colScale: tf.Tensor;
}

interface ForwardResult {
  value: tf.Scalar;
  stats: SoftmaxStats;
  kept?: Kept;
}

function forwardPass(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: InfoNceConfig,
): ForwardResult {
  const ranges = chunkRanges(x.shape[0], config.chunkSize);
  return ranges.length === 1
    ? forwardOneChunk(x, y, s, weights, config)
    : forwardChunked(x, y, s, weights, config, ranges);
}

type CoreConfigLike = Pick<InfoNceConfig, 'positiveWeight'>;

/** Whole batch at once: two exponentials of L, both kept (scaled) for the backward pass. */
function forwardOneChunk(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: CoreConfigLike,
) {
  return tf.tidy(() => {
    const [n, m] = [x.shape[0], y.shape[0]];
    const l = tf.matMul(tf.mul(x, s), tf.transpose(y));
    // Inner tidies and early disposal keep at most four N×M matrices alive (not seven).
    const rowMax = tf.max(l, 1, true);
    const eRow = tf.tidy(() => tf.exp(tf.sub(l, rowMax)));
    const rowSum = tf.sum(eRow, 1, true);
    const colMax = tf.max(l, 0, true);
    const eCol = tf.tidy(() => tf.exp(tf.sub(l, colMax)));
    const colSum = tf.matMul(tf.ones([1, n]), eCol);
    const positive = positiveTerm(x, y, s, l, weights, 0, n);
    l.dispose();
    const rowLse = tf.add(tf.log(rowSum), rowMax);
    const colLse = tf.add(tf.log(colSum), colMax);
    const value = lossValue(rowLse, colLse, positive, config.positiveWeight);
    const stats = {
      rowMax,
      rowScale: tf.div(1 / (2 * n), rowSum),
      colMax,
      colScale: tf.div(1 / (2 * m), colSum),
    };
    const rowProbabilities = tf.mul(eRow, stats.rowScale);
    eRow.dispose();
    const colProbabilities = tf.mul(eCol, stats.colScale);
    eCol.dispose();
    return { value, stats, kept: { rowProbabilities, colProbabilities } };
  });
}

/**
 * Row chunks of L, one at a time: row log-sum-exps are final per chunk; column ones are accumulated
 * online (running max and rescaled running sum), so memory stays at one chunk of L.
 */
function forwardChunked(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: CoreConfigLike,
  ranges: Array<[number, number]>,
): ForwardResult {
  const [n, m] = [x.shape[0], y.shape[0]];
  const yT = tf.transpose(y);
  const rowMaxParts: tf.Tensor[] = [];
  const rowSumParts: tf.Tensor[] = [];
  let running: { colMax: tf.Tensor; colSum: tf.Tensor; positive: tf.Tensor } | undefined;
  for (const [start, size] of ranges) {
    const next = tf.tidy(() => {
      const l = tf.matMul(tf.mul(rows(x, start, size), s), yT);
      const rowMax = tf.max(l, 1, true);
      const rowSum = tf.tidy(() => tf.sum(tf.exp(tf.sub(l, rowMax)), 1, true));
      const chunkMax = tf.max(l, 0, true);
      const colMax = running ? tf.maximum(running.colMax, chunkMax) : chunkMax;
      const chunkSum = tf.tidy(() => tf.matMul(tf.ones([1, size]), tf.exp(tf.sub(l, colMax))));
      const colSum = running
        ? tf.add(tf.mul(running.colSum, tf.exp(tf.sub(running.colMax, colMax))), chunkSum)
        : chunkSum;
      const chunkPositive = positiveTerm(x, y, s, l, weights, start, size);
      const positive = running ? tf.add(running.positive, chunkPositive) : chunkPositive;
      return { rowMax, rowSum, state: { colMax, colSum, positive } };
    });
    rowMaxParts.push(next.rowMax);
    rowSumParts.push(next.rowSum);
    if (running) tf.dispose([running.colMax, running.colSum, running.positive]);
    running = next.state;
  }
  const final = running!;
  const result = tf.tidy(() => {
    const rowMax = tf.concat(rowMaxParts);
    const rowSum = tf.concat(rowSumParts);
    const rowLse = tf.add(tf.log(rowSum), rowMax);
    const colLse = tf.add(tf.log(final.colSum), final.colMax);
    const stats = {
      rowMax,
      rowScale: tf.div(1 / (2 * n), rowSum),
      colMax: tf.clone(final.colMax),
      colScale: tf.div(1 / (2 * m), final.colSum),
    };
    return { value: lossValue(rowLse, colLse, final.positive, config.positiveWeight), stats };
  });
  tf.dispose([yT, ...rowMaxParts, ...rowSumParts, final.colMax, final.colSum, final.positive]);
  return result;
}

function lossValue(
  rowLse: tf.Tensor,
  colLse: tf.Tensor,
  positive: tf.Tensor,
  positiveWeight: number,
): tf.Scalar {
  const lse = tf.mul(tf.add(tf.mean(rowLse), tf.mean(colLse)), 0.5);
  return tf.sub(lse, tf.mul(positive, positiveWeight)) as tf.Scalar;
}

/** Σᵢⱼ Wᵢⱼ Lᵢⱼ over image rows [start, start + size); in the diagonal case s·c·Σ xᵢ·yᵢ without L. */
function positiveTerm(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  l: tf.Tensor,
  weights: PairWeights,
  start: number,
  size: number,
): tf.Tensor {
  if (weights.diagonalCoefficient !== undefined) {
    const dots = tf.sum(tf.mul(rows(x, start, size), rows(y, start, size)));
    return tf.mul(dots, tf.mul(s, weights.diagonalCoefficient));
  }
  return tf.sum(tf.mul(weights.chunk!(start, size), l));
}

interface BackwardState {
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  s: tf.Scalar;
  stats: SoftmaxStats;
  weights: PairWeights;
  kept?: Kept;
}

function backwardPass(dy: tf.Scalar, state: BackwardState, config: InfoNceConfig): tf.Tensor[] {
  const { x, y, s, weights } = state;
  const imageGrads: tf.Tensor[] = [];
  let textGrad: tf.Tensor | undefined;
  let scaleGrad: tf.Tensor | undefined;
  const yT = tf.transpose(y);
  for (const [start, size] of chunkRanges(x.shape[0], config.chunkSize)) {
    const chunk = tf.tidy(() => {
      const xc = rows(x, start, size);
      const xs = tf.mul(xc, s);
      let g = state.kept
        ? tf.add(state.kept.rowProbabilities, state.kept.colProbabilities)
        : tf.tidy(() => recomputedSoftmaxGradient(tf.matMul(xs, yT), state.stats, start, size));
      if (weights.chunk) g = tf.sub(g, tf.mul(weights.chunk(start, size), config.positiveWeight));
      const gy = tf.matMul(g, y);
      // Gᵀ·xs with an explicit transpose of G: on wasm, xsᵀ·G (G as the packed right operand) is slower.
      const gT = tf.transpose(g);
      g.dispose();
      const textPart = tf.matMul(gT, xs);
      const scalePart = tf.sum(tf.mul(gy, xc));
      return {
        dx: tf.mul(gy, s),
        textGrad: textGrad ? tf.add(textGrad, textPart) : textPart,
        scaleGrad: scaleGrad ? tf.add(scaleGrad, scalePart) : scalePart,
      };
    });
    imageGrads.push(chunk.dx);
    tf.dispose([textGrad, scaleGrad].filter((t) => t !== undefined));
    textGrad = chunk.textGrad;
    scaleGrad = chunk.scaleGrad;
  }
  const grads = tf.tidy(() => {
    let dx = imageGrads.length === 1 ? imageGrads[0] : tf.concat(imageGrads);
    let dyTexts = textGrad!;
    let ds = scaleGrad!;
    if (weights.diagonalCoefficient !== undefined) {
      // The diagonal positive term s·c·w·Σ xᵢ·yᵢ, differentiated by hand.
      const c = weights.diagonalCoefficient * config.positiveWeight;
      dx = tf.sub(dx, tf.mul(y, tf.mul(s, c)));
      dyTexts = tf.sub(dyTexts, tf.mul(x, tf.mul(s, c)));
      ds = tf.sub(ds, tf.mul(tf.sum(tf.mul(x, y)), c));
    }
    return [tf.mul(dx, dy), tf.mul(dyTexts, dy), tf.mul(ds, dy)];
  });
  tf.dispose([yT, textGrad!, scaleGrad!, ...imageGrads]);
  return grads;
}

/** softmax_rows/(2N) + softmax_cols/(2M) for image rows [start, start + size), from recomputed logits. */
function recomputedSoftmaxGradient(
  l: tf.Tensor,
  stats: SoftmaxStats,
  start: number,
  size: number,
): tf.Tensor {
  const rowMax = rows(stats.rowMax as tf.Tensor2D, start, size);
  const rowScale = rows(stats.rowScale as tf.Tensor2D, start, size);
  const rowPart = tf.mul(tf.exp(tf.sub(l, rowMax)), rowScale);
  return tf.add(rowPart, tf.mul(tf.exp(tf.sub(l, stats.colMax)), stats.colScale));
}
