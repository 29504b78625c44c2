import { tf } from 'renal-core';
import type { GroupIds } from './groups.js';
import { resolveGroups } from './groups.js';
import { infoNceCore } from './infonce-core.js';
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
    const core = infoNceCore({ groups, positiveWeight: 1 - epsilon, chunkSize });
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
