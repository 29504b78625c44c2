import { tf } from 'renal-core';
import { accumulate, chunkRanges, rows } from './chunks.js';
import { type GroupIds, type ResolvedGroups, resolveGroups } from './groups.js';
import { logitScaleFromLog } from './logit-scale.js';
import { l2Normalize } from './normalize.js';
import { assertEmbeddingMatrix, assertSameDim, checkChunkSize, checkLabelSmoothing } from './validate.js';

/** Options of {@link clipLoss}. */
export interface ClipLossOptions {
  /** Group id per image; rows with equal ids across sides are positives. Default `0..numImages−1`. */
  imageGroups?: GroupIds;
  /** Group id per text. Default: `imageGroups` when the batch is square, else `0..numTexts−1`. */
  textGroups?: GroupIds;
  /** PyTorch-style label smoothing ε in [0, 1): targets become (1−ε)·t + ε/numClasses. Default 0. */
  labelSmoothing?: number;
  /**
   * Image rows of the logit matrix computed at once. Memory then grows with `chunkSize × numTexts`
   * instead of `numImages × numTexts`; the backward pass recomputes each chunk's logits (one extra
   * matrix product). Default: the whole batch in one chunk (logits kept for the backward pass).
   */
  chunkSize?: number;
  /** L2-normalise the embeddings first (default true; zero rows throw {@link ZeroEmbeddingError}). */
  normalize?: boolean;
}

/**
 * Symmetric InfoNCE (CLIP's loss): ½(CE(image→text) + CE(text→image)) on L2-normalised embeddings with
 * logit scale `exp(clamp(logScale, 0, ln 100))`, multi-positive soft targets from group ids, optional
 * label smoothing, computed in row chunks with a hand-written gradient so that a 4096 × 4096 batch
 * never materialises more than `chunkSize × numTexts` logits at a time. Equals
 * `clipLossFromLogits(clipLogits(…), clipTargets(…))` (and PyTorch's `cross_entropy`) in value and
 * gradient with respect to both embeddings and `logScale`.
 *
 * @param imageEmbeddings - `[numImages, dim]` float32 (raw encoder outputs; normalised here).
 * @param textEmbeddings - `[numTexts, dim]` float32.
 * @param logScale - scalar log logit scale (a variable from {@link createLogitScale} when learnt).
 * @returns the scalar loss.
 */
export function clipLoss(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  logScale: tf.Scalar,
  options: ClipLossOptions = {},
): tf.Scalar {
  assertEmbeddingMatrix(imageEmbeddings, 'imageEmbeddings');
  assertEmbeddingMatrix(textEmbeddings, 'textEmbeddings');
  assertSameDim(imageEmbeddings, textEmbeddings);
  const [numImages, numTexts] = [imageEmbeddings.shape[0], textEmbeddings.shape[0]];
  const epsilon = checkLabelSmoothing(options.labelSmoothing);
  const chunkSize = checkChunkSize(options.chunkSize, numImages);
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  return tf.tidy(() => {
    const normalize = options.normalize ?? true;
    const images = normalize ? l2Normalize(imageEmbeddings, 'imageEmbeddings') : imageEmbeddings;
    const texts = normalize ? l2Normalize(textEmbeddings, 'textEmbeddings') : textEmbeddings;
    const scale = logitScaleFromLog(logScale);
    const core = contrastiveCore({ groups, positiveWeight: 1 - epsilon, chunkSize });
    const loss = core(images, texts, scale);
    if (epsilon === 0) return loss;
    return tf.sub(loss, uniformTargetTerm(images, texts, scale, epsilon)) as tf.Scalar;
  });
}

/**
 * Label smoothing's uniform part of Σ target·logit, averaged over rows and halved per direction:
 * both directions together give ε/(N·M) · Σᵢⱼ Lᵢⱼ = ε·s/(N·M) · (Σᵢ xᵢ)·(Σⱼ yⱼ) — O(N·D), so it is left
 * to automatic differentiation.
 */
function uniformTargetTerm(images: tf.Tensor2D, texts: tf.Tensor2D, scale: tf.Scalar, epsilon: number) {
  const total = tf.sum(tf.mul(tf.sum(images, 0), tf.sum(texts, 0)));
  return tf.mul(tf.mul(total, scale), epsilon / (images.shape[0] * texts.shape[0])) as tf.Scalar;
}

interface CoreConfig {
  groups: ResolvedGroups;
  /** Weight of the group (positive) targets: 1 − label smoothing. */
  positiveWeight: number;
  chunkSize: number;
}

/**
 * The part of the loss that involves the whole logit matrix, as one differentiable op of
 * (x̂, ŷ, s): ½[mean_i lse(row i) + mean_j lse(column j)] − w·Σᵢⱼ Wᵢⱼ Lᵢⱼ, with L = s·x̂ŷᵀ and W the
 * positive-pair weights (Wᵢⱼ = [gᵢ = gⱼ]·(1/(2N·#textsᵢ) + 1/(2M·#imagesⱼ))). Its gradient with
 * respect to L is G = ½softmax_rows/N + ½softmax_cols/M − w·W, pushed through the matrix product.
 */
function contrastiveCore(config: CoreConfig) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, s] = args as [tf.Tensor2D, tf.Tensor2D, tf.Scalar];
    const save = args[3] as tf.GradSaveFunc;
    const weights = pairWeights(config.groups, x.shape[0], y.shape[0]);
    const forward = forwardPass(x, y, s, weights, config);
    save([x, y, s, forward.rowLse, forward.colLse, ...weights.tensors, ...forward.logits]);
    const value = forward.value;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy, ss, rowLse, colLse] = saved as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Scalar,
        tf.Tensor1D,
        tf.Tensor1D,
      ];
      const restored = weights.restore(saved.slice(5));
      const logits = saved.slice(5 + weights.tensors.length) as tf.Tensor2D[];
      return backwardPass(dy as tf.Scalar, sx, sy, ss, rowLse, colLse, restored, logits, config);
    };
    return { value, gradFunc };
  }) as (images: tf.Tensor2D, texts: tf.Tensor2D, scale: tf.Scalar) => tf.Scalar;
}

/** Per-row and per-column tensors that define the positive weights W (absent in the diagonal case). */
interface PairWeights {
  tensors: tf.Tensor[];
  restore(saved: tf.Tensor[]): PairWeights;
  /** Diagonal case: W = (1/(2N) + 1/(2M))·I. */
  diagonalCoefficient?: number;
  /** Grouped case: image group ids [N], text group ids [M], row coefficients [N], column coefficients [M]. */
  imageGroups?: tf.Tensor1D;
  textGroups?: tf.Tensor1D;
  rowCoefficients?: tf.Tensor1D;
  columnCoefficients?: tf.Tensor1D;
}

function pairWeights(groups: ResolvedGroups, numImages: number, numTexts: number): PairWeights {
  if (groups.isDiagonal) {
    const diagonal: PairWeights = {
      tensors: [],
      restore: () => diagonal,
      diagonalCoefficient: 1 / (2 * numImages) + 1 / (2 * numTexts),
    };
    return diagonal;
  }
  const build = (tensors: tf.Tensor[]): PairWeights => ({
    tensors,
    restore: (saved) => build(saved.slice(0, 4)),
    imageGroups: tensors[0] as tf.Tensor1D,
    textGroups: tensors[1] as tf.Tensor1D,
    rowCoefficients: tensors[2] as tf.Tensor1D,
    columnCoefficients: tensors[3] as tf.Tensor1D,
  });
  return build([
    tf.tensor1d(groups.image, 'int32'),
    tf.tensor1d(groups.text, 'int32'),
    tf.tensor1d(Float32Array.from(groups.textsPerImage, (n) => 1 / (2 * numImages * n))),
    tf.tensor1d(Float32Array.from(groups.imagesPerText, (n) => 1 / (2 * numTexts * n))),
  ]);
}

/** W restricted to image rows [start, start + size): `[size, numTexts]` (grouped case only). */
function weightChunk(weights: PairWeights, start: number, size: number): tf.Tensor2D {
  const same = tf.equal(
    tf.expandDims(rows(weights.imageGroups!, start, size), 1),
    tf.expandDims(weights.textGroups!, 0),
  );
  const coefficients = tf.add(
    tf.expandDims(rows(weights.rowCoefficients!, start, size), 1),
    tf.expandDims(weights.columnCoefficients!, 0),
  );
  return tf.mul(tf.cast(same, 'float32'), coefficients) as tf.Tensor2D;
}

/** Σᵢ Wᵢᵢ Lᵢᵢ over a chunk in the diagonal case, from the embeddings alone: s·c·Σ xᵢ·yᵢ. */
function diagonalPositive(x: tf.Tensor2D, y: tf.Tensor2D, s: tf.Scalar, coefficient: number): tf.Scalar {
  return tf.mul(tf.sum(tf.mul(x, y)), tf.mul(s, coefficient)) as tf.Scalar;
}

interface ForwardResult {
  value: tf.Scalar;
  rowLse: tf.Tensor1D;
  colLse: tf.Tensor1D;
  /** The logits, kept only when the batch is one chunk (otherwise recomputed in the backward pass). */
  logits: tf.Tensor2D[];
}

function forwardPass(
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  weights: PairWeights,
  config: CoreConfig,
): ForwardResult {
  const ranges = chunkRanges(x.shape[0], config.chunkSize);
  const keepLogits = ranges.length === 1;
  const rowLseParts: tf.Tensor1D[] = [];
  const logits: tf.Tensor2D[] = [];
  let colMax: tf.Tensor1D | undefined;
  let colSum: tf.Tensor1D | undefined;
  let positive: tf.Scalar | undefined;
  for (const [start, size] of ranges) {
    const chunk = tf.tidy(() => {
      const xc = rows(x, start, size);
      const l = tf.matMul(tf.mul(xc, s), y, false, true) as tf.Tensor2D;
      const rowMax = tf.max(l, 1, true);
      const rowLse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(l, rowMax)), 1)), tf.squeeze(rowMax, [1]));
      const chunkColMax = tf.max(l, 0) as tf.Tensor1D;
      const newMax = colMax === undefined ? chunkColMax : (tf.maximum(colMax, chunkColMax) as tf.Tensor1D);
      const chunkColSum = tf.sum(tf.exp(tf.sub(l, newMax)), 0) as tf.Tensor1D;
      const newSum: tf.Tensor1D =
        colSum === undefined
          ? chunkColSum
          : tf.add(tf.mul(colSum, tf.exp(tf.sub(colMax!, newMax))), chunkColSum);
      const chunkPositive =
        weights.diagonalCoefficient !== undefined
          ? diagonalPositive(xc, rows(y, start, size), s, weights.diagonalCoefficient)
          : (tf.sum(tf.mul(weightChunk(weights, start, size), l)) as tf.Scalar);
      const newPositive = positive === undefined ? chunkPositive : tf.add(positive, chunkPositive);
      return { l, rowLse: rowLse as tf.Tensor1D, newMax, newSum, newPositive: newPositive as tf.Scalar };
    });
    rowLseParts.push(chunk.rowLse);
    if (keepLogits) logits.push(chunk.l);
    else chunk.l.dispose();
    for (const old of [colMax, colSum, positive]) old?.dispose();
    [colMax, colSum, positive] = [chunk.newMax, chunk.newSum, chunk.newPositive];
  }
  return tf.tidy(() => {
    const rowLse: tf.Tensor1D = rowLseParts.length === 1 ? rowLseParts[0] : tf.concat(rowLseParts);
    const colLse = tf.add(tf.log(colSum!), colMax!) as tf.Tensor1D;
    const lseTerm = tf.mul(tf.add(tf.mean(rowLse), tf.mean(colLse)), 0.5);
    const value = tf.sub(lseTerm, tf.mul(positive!, config.positiveWeight)) as tf.Scalar;
    for (const t of [colMax, colSum, positive, ...(rowLseParts.length > 1 ? rowLseParts : [])]) t!.dispose();
    return { value, rowLse, colLse, logits };
  });
}

function backwardPass(
  dy: tf.Scalar,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  s: tf.Scalar,
  rowLse: tf.Tensor1D,
  colLse: tf.Tensor1D,
  weights: PairWeights,
  savedLogits: tf.Tensor2D[],
  config: CoreConfig,
): tf.Tensor[] {
  const [numImages, numTexts] = [x.shape[0], y.shape[0]];
  const imageGrads: tf.Tensor2D[] = [];
  let textGrad: tf.Tensor2D | undefined;
  let scaleGrad: tf.Scalar | undefined;
  for (const [start, size] of chunkRanges(numImages, config.chunkSize)) {
    const chunk = tf.tidy(() => {
      const xc = rows(x, start, size);
      const xs = tf.mul(xc, s);
      const l = savedLogits[0] ?? (tf.matMul(xs, y, false, true) as tf.Tensor2D);
      const rowPart = tf.mul(tf.exp(tf.sub(l, tf.expandDims(rows(rowLse, start, size), 1))), 0.5 / numImages);
      const colPart = tf.mul(tf.exp(tf.sub(l, colLse)), 0.5 / numTexts);
      let g = tf.add(rowPart, colPart) as tf.Tensor2D;
      if (weights.diagonalCoefficient === undefined) {
        g = tf.sub(g, tf.mul(weightChunk(weights, start, size), config.positiveWeight));
      }
      const gy = tf.matMul(g, y) as tf.Tensor2D;
      return {
        dx: tf.mul(gy, s) as tf.Tensor2D,
        dyPart: tf.matMul(g, xs, true, false) as tf.Tensor2D,
        ds: tf.sum(tf.mul(gy, xc)) as tf.Scalar,
      };
    });
    imageGrads.push(chunk.dx);
    textGrad = accumulate(textGrad, (old) =>
      old === undefined ? tf.clone(chunk.dyPart) : tf.add(old, chunk.dyPart),
    );
    scaleGrad = accumulate(scaleGrad, (old) =>
      old === undefined ? tf.clone(chunk.ds) : tf.add(old, chunk.ds),
    );
    chunk.dyPart.dispose();
    chunk.ds.dispose();
  }
  return tf.tidy(() => {
    let dx: tf.Tensor = imageGrads.length === 1 ? imageGrads[0] : tf.concat(imageGrads);
    let dyTexts: tf.Tensor = textGrad!;
    let ds: tf.Tensor = scaleGrad!;
    if (weights.diagonalCoefficient !== undefined) {
      // The positive term s·c·w·Σ xᵢ·yᵢ, differentiated by hand.
      const c = weights.diagonalCoefficient * config.positiveWeight;
      dx = tf.sub(dx, tf.mul(y, tf.mul(s, c)));
      dyTexts = tf.sub(dyTexts, tf.mul(x, tf.mul(s, c)));
      ds = tf.sub(ds, tf.mul(tf.sum(tf.mul(x, y)), c));
    }
    const result = [tf.mul(dx, dy), tf.mul(dyTexts, dy), tf.mul(ds, dy)];
    for (const t of [textGrad, scaleGrad, ...(imageGrads.length > 1 ? imageGrads : [])]) t!.dispose();
    return result;
  });
}
