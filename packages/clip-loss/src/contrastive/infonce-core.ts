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
    const kept = forward.kept.tensors;
    save([x, y, s, ...kept, ...weights.tensors]);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy, ss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Scalar];
      const restoredKept = restoreKept(forward.kept.kind, saved.slice(3, 3 + kept.length));
      const weightTensors = saved.slice(3 + kept.length);
      const restored =
        weights.diagonalCoefficient !== undefined ? weights : restorePairWeights(weightTensors);
      const state = { x: sx, y: sy, s: ss, weights: restored, kept: restoredKept };
      return backwardPass(dy as tf.Scalar, state, config);
    };
    return { value: forward.value, gradFunc };
  }) as Core;
}

/**
 * What the forward pass keeps for the backward pass, in one of three forms:
 * - `stats` (chunked): the softmax statistics; the backward pass recomputes each chunk's logits;
 * - `separate` (one chunk): softmax_rows/(2N) and softmax_cols/(2M), two N×M matrices;
 * - `shared` (one chunk, fast path): the row softmax P and rank-2 factors with
 *   softmax_rows/(2N) + softmax_cols/(2M) = P ⊙ (rowFactors · colFactors), one N×M matrix
 *   (see {@link sharedSoftmaxForward});
 * - `sharedChunks` (chunked, fast path): the rank-2 factors only; the backward pass recomputes each
 *   chunk's logits and row softmax (see {@link forwardChunkedShared}).
 */
type Kept =
  | { kind: 'stats'; tensors: SoftmaxStats }
  | { kind: 'separate'; tensors: [rowProbabilities: tf.Tensor, colProbabilities: tf.Tensor] }
  | { kind: 'shared'; tensors: [probabilities: tf.Tensor, rowFactors: tf.Tensor, colFactors: tf.Tensor] }
  | { kind: 'sharedChunks'; tensors: [rowFactors: tf.Tensor, colFactors: tf.Tensor] };

function restoreKept(kind: Kept['kind'], tensors: tf.Tensor[]): Kept {
  return { kind, tensors } as Kept;
}

/** softmax_rows/(2N) + softmax_cols/(2M) from what a one-chunk forward pass kept. */
function keptSoftmaxGradient(kept: Extract<Kept, { kind: 'separate' | 'shared' }>): tf.Tensor {
  if (kept.kind === 'separate') return tf.add(kept.tensors[0], kept.tensors[1]);
  return sharedGradient(...kept.tensors);
}

/**
 * Per-row and per-column softmax statistics `[rowMax [N,1], rowScale [N,1], colMax [1,M], colScale [1,M]]`:
 * softmax_rows/(2N) = exp(L − rowMax)·rowScale and softmax_cols/(2M) = exp(L − colMax)·colScale. Keeping
 * the maxima separate (rather than one log-sum-exp shift) keeps the exponent exact at the maximum, which
 * matters at logit scale 100 where an ulp of the shift is 8e-6 and the gradient of the logit scale is a
 * near-cancelling sum.
 */
type SoftmaxStats = [rowMax: tf.Tensor, rowScale: tf.Tensor, colMax: tf.Tensor, colScale: tf.Tensor];

interface ForwardResult {
  value: tf.Scalar;
  kept: Kept;
}

function forwardPass(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: InfoNceConfig,
): ForwardResult {
  const ranges = chunkRanges(x.shape[0], config.chunkSize);
  if (ranges.length === 1) return forwardOneChunk(x, y, s, weights, config);
  const shared = SYNC_READ_BACKENDS.has(tf.getBackend())
    ? forwardChunkedShared(x, y, s, weights, config, ranges)
    : undefined;
  return shared ?? forwardChunked(x, y, s, weights, config, ranges);
}

type CoreConfigLike = Pick<InfoNceConfig, 'positiveWeight'>;

/**
 * Whole batch at once, logits kept in exponentiated form for the backward pass: through
 * {@link sharedSoftmaxForward} where it is exact and the backend reads a scalar back cheaply, else
 * through {@link separateSoftmaxForward}.
 */
function forwardOneChunk(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: CoreConfigLike,
): ForwardResult {
  return tf.tidy(() => {
    const n = x.shape[0];
    const l = tf.matMul(tf.mul(x, s), tf.transpose(y)) as tf.Tensor2D;
    const positive = positiveTerm(x, y, s, l, weights, 0, n);
    const shared = SYNC_READ_BACKENDS.has(tf.getBackend()) ? sharedSoftmaxForward(l) : undefined;
    const { rowLse, colLse, kept } = shared ?? separateSoftmaxForward(l);
    return { value: lossValue(rowLse, colLse, positive, config.positiveWeight), kept };
  });
}

/** Backends whose tensors can be read synchronously at little cost (the shared path reads one scalar). */
const SYNC_READ_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/**
 * Below this, a column's sum of exp(Lᵢⱼ − shift) may have lost its dominant terms to underflow (in P or in
 * the row weights, each below 2⁻¹²⁶), so the shared path is not exact and the separate one runs instead.
 * At 1e-15 a lost term is below 1e-23 of its column's sum.
 */
const MIN_SHARED_COLUMN_SUM = 1e-15;

interface SoftmaxForward {
  rowLse: tf.Tensor;
  colLse: tf.Tensor;
  kept: Kept;
}

/**
 * One fused row softmax P (XNNPACK's vectorised kernel on wasm, ~5× faster than tfjs's exp) serves both
 * directions: with row log-sum-exps ℓᵢ and wᵢ = exp(ℓᵢ − max ℓ), the column sums are
 * Σᵢ exp(Lᵢⱼ − max ℓ) = (wᵀP)ⱼ and softmax_cols = P ⊙ w ⊙ 1/(wᵀP). ℓᵢ comes from P itself:
 * ℓᵢ = Lᵢₖ − log Pᵢₖ at the row's maximum k, where Pᵢₖ ≥ 1/M keeps the logarithm exact. Returns
 * undefined (everything freed) when a column sum is so small that underflow may have cost it accuracy —
 * rows whose log-sum-exps differ by tens of nats, as at logit scale 100 with antipodal pairs.
 */
export function sharedSoftmaxForward(l: tf.Tensor2D): SoftmaxForward | undefined {
  return tf.tidy(() => {
    const probabilities = tf.softmax(l);
    const rowLse = rowLogSumExp(l, probabilities);
    const shift = tf.max(rowLse);
    const colSum = tf.matMul(tf.transpose(tf.exp(tf.sub(rowLse, shift))), probabilities);
    if (!exactEnough(colSum)) return undefined;
    const colLse = tf.add(tf.log(colSum), shift);
    const kept: Kept = { kind: 'shared', tensors: [probabilities, ...sharedFactors(rowLse, shift, colSum)] };
    return { rowLse, colLse, kept };
  });
}

/** ℓᵢ = Lᵢₖ − log Pᵢₖ at each row's maximum k (Pᵢₖ ≥ 1/M there, so the logarithm is exact). */
function rowLogSumExp(l: tf.Tensor, probabilities: tf.Tensor): tf.Tensor {
  return tf.sub(tf.max(l, 1, true), tf.log(tf.max(probabilities, 1, true)));
}

/** Whether every column sum is large enough for the shared path to be exact (reads one scalar back). */
function exactEnough(colSum: tf.Tensor): boolean {
  return tf.tidy(() => tf.min(colSum).dataSync()[0] >= MIN_SHARED_COLUMN_SUM);
}

/**
 * The rank-2 factors of softmax_rows/(2N) + softmax_cols/(2M) = P ⊙ (1/(2N) + wᵢ/(2M·colSumⱼ))
 * = P ⊙ ([w, 1]·[1/(2M·colSum); 1/(2N)]), with wᵢ = exp(ℓᵢ − shift): `[N, 2]` and `[2, M]`.
 */
function sharedFactors(rowLse: tf.Tensor, shift: tf.Tensor, colSum: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [n, m] = [rowLse.shape[0], colSum.shape[1] as number];
  const rowFactors = tf.concat([tf.exp(tf.sub(rowLse, shift)), tf.ones([n, 1])], 1);
  const colFactors = tf.concat([tf.div(1 / (2 * m), colSum), tf.fill([1, m], 1 / (2 * n))], 0);
  return [rowFactors, colFactors];
}

/** P ⊙ (rowFactors · colFactors): softmax_rows/(2N) + softmax_cols/(2M) from the shared form. */
function sharedGradient(probabilities: tf.Tensor, rowFactors: tf.Tensor, colFactors: tf.Tensor): tf.Tensor {
  return tf.mul(probabilities, tf.matMul(rowFactors as tf.Tensor2D, colFactors as tf.Tensor2D));
}

/** Two exponentials of L, one shifted by row maxima and one by column maxima, both kept (scaled). */
function separateSoftmaxForward(l: tf.Tensor2D): SoftmaxForward {
  return tf.tidy(() => {
    const [n, m] = l.shape;
    // Inner tidies keep at most four N×M matrices alive (not seven).
    const rowMax = tf.max(l, 1, true);
    const eRow = tf.tidy(() => tf.exp(tf.sub(l, rowMax)));
    const rowSum = tf.sum(eRow, 1, true);
    const colMax = tf.max(l, 0, true);
    const eCol = tf.tidy(() => tf.exp(tf.sub(l, colMax)));
    const colSum = tf.matMul(tf.ones([1, n]), eCol);
    const rowProbabilities = tf.mul(eRow, tf.div(1 / (2 * n), rowSum));
    eRow.dispose();
    const colProbabilities = tf.mul(eCol, tf.div(1 / (2 * m), colSum));
    eCol.dispose();
    return {
      rowLse: tf.add(tf.log(rowSum), rowMax),
      colLse: tf.add(tf.log(colSum), colMax),
      kept: { kind: 'separate', tensors: [rowProbabilities, colProbabilities] } as Kept,
    };
  });
}

/**
 * Row chunks of L with the shared row softmax of {@link sharedSoftmaxForward}: each chunk's row
 * log-sum-exps are final, and the column sums Σᵢ exp(Lᵢⱼ − shift) accumulate online as wᵀP with a running
 * shift (the largest row log-sum-exp so far). Only the rank-2 factors are kept; the backward pass
 * recomputes each chunk's logits and softmax. Undefined (everything freed) when a column sum ends below
 * the accuracy threshold; the exact chunked path then runs.
 */
function forwardChunkedShared(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: CoreConfigLike,
  ranges: Array<[number, number]>,
): ForwardResult | undefined {
  const yT = tf.transpose(y);
  const rowLseParts: tf.Tensor[] = [];
  let running: { shift: tf.Tensor; colSum: tf.Tensor; positive: tf.Tensor } | undefined;
  for (const [start, size] of ranges) {
    const next = tf.tidy(() => {
      const l = tf.matMul(tf.mul(rows(x, start, size), s), yT);
      const probabilities = tf.softmax(l);
      const rowLse = rowLogSumExp(l, probabilities);
      const chunkShift = tf.max(rowLse);
      const shift = running ? tf.maximum(running.shift, chunkShift) : chunkShift;
      const chunkSum = tf.matMul(tf.transpose(tf.exp(tf.sub(rowLse, shift))), probabilities);
      const colSum = running
        ? tf.add(tf.mul(running.colSum, tf.exp(tf.sub(running.shift, shift))), chunkSum)
        : chunkSum;
      const chunkPositive = positiveTerm(x, y, s, l, weights, start, size);
      const positive = running ? tf.add(running.positive, chunkPositive) : chunkPositive;
      return { rowLse, state: { shift, colSum, positive } };
    });
    rowLseParts.push(next.rowLse);
    if (running) tf.dispose([running.shift, running.colSum, running.positive]);
    running = next.state;
  }
  const final = running!;
  const result = exactEnough(final.colSum)
    ? tf.tidy(() => {
        const rowLse = tf.concat(rowLseParts);
        const colLse = tf.add(tf.log(final.colSum), final.shift);
        const kept: Kept = {
          kind: 'sharedChunks',
          tensors: sharedFactors(rowLse, final.shift, final.colSum),
        };
        return { value: lossValue(rowLse, colLse, final.positive, config.positiveWeight), kept };
      })
    : undefined;
  tf.dispose([yT, ...rowLseParts, final.shift, final.colSum, final.positive]);
  return result;
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
    const stats: Kept = {
      kind: 'stats',
      tensors: [
        rowMax,
        tf.div(1 / (2 * n), rowSum),
        tf.clone(final.colMax),
        tf.div(1 / (2 * m), final.colSum),
      ],
    };
    return { value: lossValue(rowLse, colLse, final.positive, config.positiveWeight), kept: stats };
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
  weights: PairWeights;
  kept: Kept;
}

function backwardPass(dy: tf.Scalar, state: BackwardState, config: InfoNceConfig): tf.Tensor[] {
  const { x, y, s, weights } = state;
  const imageGrads: tf.Tensor[] = [];
  let textGrad: tf.Tensor | undefined;
  let scaleGrad: tf.Tensor | undefined;
  const kept = state.kept;
  const recomputes = kept.kind === 'stats' || kept.kind === 'sharedChunks';
  const yT = recomputes ? tf.transpose(y) : undefined;
  for (const [start, size] of chunkRanges(x.shape[0], config.chunkSize)) {
    const chunk = tf.tidy(() => {
      const xc = rows(x, start, size);
      const xs = tf.mul(xc, s);
      let g = recomputes
        ? tf.tidy(() => recomputedSoftmaxGradient(tf.matMul(xs, yT!), kept, start, size))
        : keptSoftmaxGradient(kept as Extract<Kept, { kind: 'separate' | 'shared' }>);
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
  tf.dispose([textGrad!, scaleGrad!, ...imageGrads, ...(yT ? [yT] : [])]);
  return grads;
}

/** softmax_rows/(2N) + softmax_cols/(2M) for image rows [start, start + size), from recomputed logits. */
function recomputedSoftmaxGradient(
  l: tf.Tensor,
  kept: Extract<Kept, { kind: 'stats' | 'sharedChunks' }>,
  start: number,
  size: number,
): tf.Tensor {
  if (kept.kind === 'sharedChunks') {
    const [rowFactors, colFactors] = kept.tensors;
    return sharedGradient(tf.softmax(l), rows(rowFactors as tf.Tensor2D, start, size), colFactors);
  }
  const [allRowMax, allRowScale, colMax, colScale] = kept.tensors;
  const rowMax = rows(allRowMax as tf.Tensor2D, start, size);
  const rowScale = rows(allRowScale as tf.Tensor2D, start, size);
  const rowPart = tf.mul(tf.exp(tf.sub(l, rowMax)), rowScale);
  return tf.add(rowPart, tf.mul(tf.exp(tf.sub(l, colMax)), colScale));
}
