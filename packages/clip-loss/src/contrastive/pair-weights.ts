import { tf } from 'renal-core';
import { rows } from './chunks.js';
import type { ResolvedGroups } from './groups.js';

/**
 * The positive-pair weights W of the symmetric loss, Wᵢⱼ = [gᵢ = gⱼ]·(1/(2N·#textsᵢ) + 1/(2M·#imagesⱼ)):
 * the soft targets of both directions, each averaged over its rows and halved. In the diagonal case
 * (one text per image) W = c·I and never needs a matrix; otherwise chunks of W are built on the device
 * from group ids.
 */
export interface PairWeights {
  /** Tensors to save for the backward pass (empty in the diagonal case). */
  readonly tensors: tf.Tensor[];
  /** Diagonal case only: W = c·I with c = 1/(2N) + 1/(2M). */
  readonly diagonalCoefficient?: number;
  /** Grouped case only: W restricted to image rows [start, start + size), `[size, numTexts]`. */
  chunk?(start: number, size: number): tf.Tensor2D;
}

/** Builds the weights of a batch. */
export function pairWeights(groups: ResolvedGroups, numImages: number, numTexts: number): PairWeights {
  if (groups.isDiagonal)
    return { tensors: [], diagonalCoefficient: 1 / (2 * numImages) + 1 / (2 * numTexts) };
  return restorePairWeights([
    tf.tensor1d(groups.image, 'int32'),
    tf.tensor1d(groups.text, 'int32'),
    tf.tensor1d(Float32Array.from(groups.textsPerImage, (n) => 1 / (2 * numImages * n))),
    tf.tensor1d(Float32Array.from(groups.imagesPerText, (n) => 1 / (2 * numTexts * n))),
  ]);
}

/** Rebuilds grouped weights from their saved tensors (image ids, text ids, row and column coefficients). */
export function restorePairWeights(tensors: tf.Tensor[]): PairWeights {
  const [imageGroups, textGroups, rowCoefficients, columnCoefficients] = tensors as tf.Tensor1D[];
  return {
    tensors,
    chunk: (start, size) => {
      const same = tf.equal(tf.expandDims(rows(imageGroups, start, size), 1), tf.expandDims(textGroups, 0));
      const coefficients = tf.add(
        tf.expandDims(rows(rowCoefficients, start, size), 1),
        tf.expandDims(columnCoefficients, 0),
      );
      return tf.mul(tf.cast(same, 'float32'), coefficients) as tf.Tensor2D;
    },
  };
}
