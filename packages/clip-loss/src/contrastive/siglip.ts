import { tf } from 'renal-core';
import { ShapeError } from '../errors.js';
import { accumulate, chunkRanges, rows } from './chunks.js';
import { type GroupIds, resolveGroups } from './groups.js';
import { matMulTransposeB } from './matmul.js';
import { l2Normalize } from './normalize.js';
import { assertEmbeddingMatrix, assertSameDim, assertScalar, checkChunkSize } from './validate.js';

/** SigLIP's initial log scale: ln 10 (scale 10), from Zhai et al. 2023. */
export const SIGLIP_INIT_LOG_SCALE = Math.log(10);
/** SigLIP's initial bias: −10, so that the many negatives start with a small loss. */
export const SIGLIP_INIT_BIAS = -10;

/** The learnable parameters of the sigmoid loss. */
export interface SiglipParameters {
  /** Log of the multiplicative scale t (t = exp(logScale), not clamped). */
  logScale: tf.Variable<tf.Rank.R0>;
  /** Additive bias b. */
  bias: tf.Variable<tf.Rank.R0>;
}

/** Creates SigLIP's learnable log scale (init ln 10) and bias (init −10) as trainable scalar variables. */
export function createSiglipParameters(
  initialLogScale = SIGLIP_INIT_LOG_SCALE,
  initialBias = SIGLIP_INIT_BIAS,
): SiglipParameters {
  return tf.tidy(() => ({
    logScale: tf.variable(tf.scalar(initialLogScale), true),
    bias: tf.variable(tf.scalar(initialBias), true),
  }));
}

/** Options of {@link siglipLoss}. */
export interface SiglipLossOptions {
  /** Group id per image; pairs with equal ids are positives (label +1), all others −1. */
  imageGroups?: GroupIds;
  /** Group id per text. Default: `imageGroups` when the batch is square. */
  textGroups?: GroupIds;
  /** Image rows of the logit matrix computed at once (bounded memory); default the whole batch. */
  chunkSize?: number;
  /** L2-normalise the embeddings first (default true). */
  normalize?: boolean;
}

/**
 * SigLIP's logits `t·x̂ŷᵀ + b` with `t = exp(logScale)`: `[numImages, numTexts]`.
 */
export function siglipLogits(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  logScale: tf.Scalar,
  bias: tf.Scalar,
  options: { normalize?: boolean } = {},
): tf.Tensor2D {
  checkInputs(imageEmbeddings, textEmbeddings, logScale, bias);
  return tf.tidy(() => {
    const { images, texts } = normalized(imageEmbeddings, textEmbeddings, options.normalize ?? true);
    return tf.add(matMulTransposeB(tf.mul(images, tf.exp(logScale)), texts), bias) as tf.Tensor2D;
  });
}

/** SigLIP's pair labels: +1 where image and text share a group, −1 elsewhere, `[numImages, numTexts]`. */
export function siglipLabels(
  numImages: number,
  numTexts: number,
  options: { imageGroups?: GroupIds; textGroups?: GroupIds } = {},
): tf.Tensor2D {
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  const labels = new Float32Array(numImages * numTexts);
  for (let i = 0; i < numImages; i++) {
    for (let j = 0; j < numTexts; j++) labels[i * numTexts + j] = groups.image[i] === groups.text[j] ? 1 : -1;
  }
  return tf.tensor2d(labels, [numImages, numTexts]);
}

/** −Σᵢⱼ log σ(zᵢⱼ·lᵢⱼ) / numImages from explicit logits and ±1 labels (the plain formulation). */
export function siglipLossFromLogits(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  if (logits.shape[0] !== labels.shape[0] || logits.shape[1] !== labels.shape[1]) {
    throw new ShapeError(`labels [${labels.shape}] do not match logits [${logits.shape}]`);
  }
  return tf.tidy(
    () => tf.div(tf.sum(tf.softplus(tf.neg(tf.mul(labels, logits)))), logits.shape[0]) as tf.Scalar,
  );
}

/**
 * SigLIP's pairwise sigmoid loss, −(1/N)·Σᵢⱼ log σ(zᵢⱼ·(t·x̂ᵢ·ŷⱼ + b)), with zᵢⱼ = +1 for pairs of the
 * same group and −1 otherwise, learnable `t = exp(logScale)` and `b`. Computed in row chunks with a
 * hand-written gradient (memory bounded by `chunkSize × numTexts`); equals
 * `siglipLossFromLogits(siglipLogits(…), siglipLabels(…))`.
 */
export function siglipLoss(
  imageEmbeddings: tf.Tensor2D,
  textEmbeddings: tf.Tensor2D,
  logScale: tf.Scalar,
  bias: tf.Scalar,
  options: SiglipLossOptions = {},
): tf.Scalar {
  checkInputs(imageEmbeddings, textEmbeddings, logScale, bias);
  const [numImages, numTexts] = [imageEmbeddings.shape[0], textEmbeddings.shape[0]];
  const chunkSize = checkChunkSize(options.chunkSize, numImages);
  const groups = resolveGroups(numImages, numTexts, options.imageGroups, options.textGroups);
  return tf.tidy(() => {
    const { images, texts } = normalized(imageEmbeddings, textEmbeddings, options.normalize ?? true);
    const core = sigmoidCore(groups.image, groups.text, chunkSize);
    return core(images, texts, tf.exp(logScale), bias);
  });
}

function checkInputs(images: tf.Tensor2D, texts: tf.Tensor2D, logScale: tf.Scalar, bias: tf.Scalar): void {
  assertEmbeddingMatrix(images, 'imageEmbeddings');
  assertEmbeddingMatrix(texts, 'textEmbeddings');
  assertSameDim(images, texts);
  assertScalar(logScale, 'logScale');
  assertScalar(bias, 'bias');
}

function normalized(images: tf.Tensor2D, texts: tf.Tensor2D, normalize: boolean) {
  if (!normalize) return { images, texts };
  return { images: l2Normalize(images, 'imageEmbeddings'), texts: l2Normalize(texts, 'textEmbeddings') };
}

/** ±1 labels of image rows [start, start + size) against all texts, built on the device from group ids. */
function labelChunk(imageGroups: tf.Tensor1D, textGroups: tf.Tensor1D, start: number, size: number) {
  const same = tf.equal(tf.expandDims(rows(imageGroups, start, size), 1), tf.expandDims(textGroups, 0));
  return tf.sub(tf.mul(tf.cast(same, 'float32'), 2), 1) as tf.Tensor2D;
}

/**
 * (1/N)·Σ softplus(−z∘l) as one op of (x̂, ŷ, t, b); dLoss/dl = −z∘σ(−z∘l)/N, pushed through
 * l = t·x̂ŷᵀ + b chunk by chunk (each chunk's logits recomputed in the backward pass). Matrix products
 * avoid transpose flags, which are many times slower on tfjs-wasm.
 */
function sigmoidCore(imageIds: Int32Array, textIds: Int32Array, chunkSize: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, t, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Scalar, tf.Scalar];
    const save = args[4] as tf.GradSaveFunc;
    const imageGroups = tf.tensor1d(imageIds, 'int32');
    const textGroups = tf.tensor1d(textIds, 'int32');
    const numImages = x.shape[0];
    const yT = tf.transpose(y);
    let total: tf.Scalar | undefined;
    for (const [start, size] of chunkRanges(numImages, chunkSize)) {
      total = accumulate(total, (old) => {
        const z = labelChunk(imageGroups, textGroups, start, size);
        const l = tf.add(tf.matMul(tf.mul(rows(x, start, size), t), yT), b);
        const part = tf.sum(tf.softplus(tf.neg(tf.mul(z, l)))) as tf.Scalar;
        return old === undefined ? part : tf.add(old, part);
      });
    }
    yT.dispose();
    save([x, y, t, b, imageGroups, textGroups]);
    const value = tf.div(total!, numImages) as tf.Scalar;
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sy, st, sb, sImageGroups, sTextGroups] = saved as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Scalar,
        tf.Scalar,
        tf.Tensor1D,
        tf.Tensor1D,
      ];
      const syT = tf.transpose(sy);
      const imageGrads: tf.Tensor[] = [];
      let sums: { text: tf.Tensor; scale: tf.Tensor; bias: tf.Tensor } | undefined;
      for (const [start, size] of chunkRanges(numImages, chunkSize)) {
        const chunk = tf.tidy(() => {
          const z = labelChunk(sImageGroups, sTextGroups, start, size);
          const xc = rows(sx, start, size);
          const xs = tf.mul(xc, st);
          const l = tf.add(tf.matMul(xs, syT), sb);
          const g = tf.mul(tf.mul(tf.neg(z), tf.sigmoid(tf.neg(tf.mul(z, l)))), tf.div(dy, numImages));
          const gy = tf.matMul(g, sy);
          const parts = {
            text: tf.matMul(tf.transpose(g), xs),
            scale: tf.sum(tf.mul(gy, xc)),
            bias: tf.sum(g),
          };
          const next = sums
            ? {
                text: tf.add(sums.text, parts.text),
                scale: tf.add(sums.scale, parts.scale),
                bias: tf.add(sums.bias, parts.bias),
              }
            : parts;
          return { dx: tf.mul(gy, st), next };
        });
        imageGrads.push(chunk.dx);
        if (sums) tf.dispose([sums.text, sums.scale, sums.bias]);
        sums = chunk.next;
      }
      const final = sums!;
      const grads = tf.tidy(() => [
        imageGrads.length === 1 ? tf.clone(imageGrads[0]) : tf.concat(imageGrads),
        tf.clone(final.text),
        tf.clone(final.scale),
        tf.clone(final.bias),
      ]);
      tf.dispose([syT, ...imageGrads, final.text, final.scale, final.bias]);
      return grads;
    };
    return { value, gradFunc };
  }) as (images: tf.Tensor2D, texts: tf.Tensor2D, scale: tf.Scalar, bias: tf.Scalar) => tf.Scalar;
}
