import { tf } from 'renal-core';
import { ShapeError } from '../errors.js';
import { type GroupIds, resolveGroups, softTargets } from './groups.js';
import { logitScaleFromLog } from './logit-scale.js';
import { matMulTransposeB } from './matmul.js';
import { l2Normalize } from './normalize.js';
import { assertEmbeddingMatrix, assertSameDim, checkLabelSmoothing } from './validate.js';

/** The two logit matrices of a batch (open_clip's `logits_per_image`, `logits_per_text`). */
export interface ClipLogits {
  /** `[numImages, numTexts]`: scale · cos(image i, text j). */
  readonly perImage: tf.Tensor2D;
  /** `[numTexts, numImages]`: the transpose. */
  readonly perText: tf.Tensor2D;
}

/** Soft targets for both directions; each row sums to 1. */
export interface ClipTargets {
  /** `[numImages, numTexts]` */
  readonly imageToText: tf.Tensor2D;
  /** `[numTexts, numImages]` */
  readonly textToImage: tf.Tensor2D;
}

/** Options of {@link clipLogits}. */
export interface ClipLogitsOptions {
  /** L2-normalise the embeddings first (default true; zero rows throw). */
  normalize?: boolean;
}

/**
 * The full logit matrices `exp(clamp(logScale)) · x̂ ŷᵀ` (and the transpose) of a batch. This is the
 * plain, unchunked formulation: easy to test, and fine while `numImages × numTexts` fits in memory. For
 * large batches use {@link clipLoss}, which never holds the whole matrix.
 *
 * @param imageEmbeddings - `[numImages, dim]`
 * @param textEmbeddings - `[numTexts, dim]`
 * @param logScale - scalar log logit scale (clamped to [0, ln 100] here).
 */
export function clipLogits(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  logScale: tf.Scalar,
  options: ClipLogitsOptions = {},
): ClipLogits {
  assertEmbeddingMatrix(imageEmbeddings, 'imageEmbeddings');
  assertEmbeddingMatrix(textEmbeddings, 'textEmbeddings');
  assertSameDim(imageEmbeddings, textEmbeddings);
  return tf.tidy(() => {
    const normalize = options.normalize ?? true;
    const images = normalize ? l2Normalize(imageEmbeddings, 'imageEmbeddings') : imageEmbeddings;
    const texts = normalize ? l2Normalize(textEmbeddings, 'textEmbeddings') : textEmbeddings;
    const perImage = matMulTransposeB(tf.mul(images, logitScaleFromLog(logScale)), texts);
    return { perImage: perImage as tf.Tensor2D, perText: tf.transpose(perImage) as tf.Tensor2D };
  });
}

/** open_clip's ground truth for a plain batch: row i matches column i, so the labels are `0..n−1` (int32). */
export function clipLabels(batchSize: number): tf.Tensor1D {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ShapeError(`clipLabels: batchSize must be a positive integer, got ${batchSize}`);
  }
  return tf.range(0, batchSize, 1, 'int32') as tf.Tensor1D;
}

/** Options of {@link clipTargets}. */
export interface ClipTargetOptions {
  /** Group id per image (rows with equal ids across sides are positives). Default `0..numImages−1`. */
  imageGroups?: GroupIds;
  /** Group id per text. Default: `imageGroups` when the batch is square, else `0..numTexts−1`. */
  textGroups?: GroupIds;
  /** Mix ε of the uniform distribution into every target row, PyTorch style. Default 0. */
  labelSmoothing?: number;
}

/**
 * Soft targets for both directions: each image spreads its mass uniformly over the texts of its group
 * (and each text over the images of its group) — several phases of one kidney, or identical report
 * texts, all count as positives — then label smoothing mixes in the uniform distribution.
 */
export function clipTargets(
  numImages: number,
  numTexts: number,
  options: ClipTargetOptions = {},
): ClipTargets {
  const epsilon = checkLabelSmoothing(options.labelSmoothing);
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  return {
    imageToText: tf.tensor2d(softTargets(groups.image, groups.text, epsilon), [numImages, numTexts]),
    textToImage: tf.tensor2d(softTargets(groups.text, groups.image, epsilon), [numTexts, numImages]),
  };
}

/**
 * Symmetric cross-entropy from explicit logits and targets: ½(CE(perImage, imageToText) +
 * CE(perText, textToImage)), each a mean over rows of −Σ target · log softmax. Targets may be int32
 * class labels (`clipLabels`) or soft target matrices (`clipTargets`).
 */
export function clipLossFromLogits(logits: ClipLogits, targets: ClipTargets | tf.Tensor1D): tf.Scalar {
  const [numImages, numTexts] = logits.perImage.shape;
  if (logits.perText.shape[0] !== numTexts || logits.perText.shape[1] !== numImages) {
    throw new ShapeError(`logits.perText [${logits.perText.shape}] is not the transpose of perImage`);
  }
  return tf.tidy(() => {
    const soft = targets instanceof tf.Tensor ? labelsToTargets(targets, numImages, numTexts) : targets;
    const imageToText = softCrossEntropy(logits.perImage, soft.imageToText, 'imageToText');
    const textToImage = softCrossEntropy(logits.perText, soft.textToImage, 'textToImage');
    return tf.mul(tf.add(imageToText, textToImage), 0.5) as tf.Scalar;
  });
}

function labelsToTargets(labels: tf.Tensor1D, numImages: number, numTexts: number): ClipTargets {
  if (labels.rank !== 1 || labels.shape[0] !== numImages || numImages !== numTexts) {
    throw new ShapeError(
      `labels [${labels.shape}] need a square [${numImages}, ${numTexts}] logit matrix and one label per row`,
    );
  }
  const oneHot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), numTexts), 'float32') as tf.Tensor2D;
  return { imageToText: oneHot, textToImage: tf.transpose(oneHot) };
}

function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, name: string): tf.Scalar {
  if (targets.shape[0] !== logits.shape[0] || targets.shape[1] !== logits.shape[1]) {
    throw new ShapeError(`targets.${name} [${targets.shape}] does not match its logits [${logits.shape}]`);
  }
  const logProbabilities = tf.logSoftmax(logits, 1);
  return tf.neg(tf.mean(tf.sum(tf.mul(targets, logProbabilities), 1))) as tf.Scalar;
}
