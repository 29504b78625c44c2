import { tf } from 'renal-core';
import { ResNet3dInputError } from '../errors.js';

/** Label value meaning "unknown": masked out of the loss. */
export const UNKNOWN_LABEL = -1;

/**
 * Labels as rows of per-attribute class indices (−1 unknown) or an int32 tensor `[N, K]` (read back
 * synchronously to validate it — on WebGPU under Node, which cannot, pass the rows).
 */
export type AttributeLabels = number[][] | tf.Tensor2D;

function labelRows(labels: AttributeLabels, n: number, classCounts: readonly number[]): number[][] {
  const rows = labels instanceof tf.Tensor ? (labels.arraySync() as number[][]) : labels;
  const k = classCounts.length;
  if (rows.length !== n || rows.some((r) => r.length !== k)) {
    const actual = labels instanceof tf.Tensor ? `[${labels.shape.join(', ')}]` : `${rows.length} rows`;
    throw new ResNet3dInputError(
      'attribute labels',
      `[${n}, ${k}] (one row per sample, one column per attribute)`,
      actual,
    );
  }
  for (const [i, row] of rows.entries()) {
    for (const [a, y] of row.entries()) {
      if (!Number.isInteger(y) || y < UNKNOWN_LABEL || y >= classCounts[a]) {
        throw new ResNet3dInputError(
          `attribute labels[${i}][${a}]`,
          `an integer class in [0, ${classCounts[a] - 1}] or ${UNKNOWN_LABEL} (unknown)`,
          String(y),
        );
      }
    }
  }
  return rows;
}

/**
 * RenalCLIP's stage-1 image loss: per attribute, cross-entropy averaged over the samples whose label is
 * known, weighted by class (PyTorch's `CrossEntropyLoss(weight, ignore_index=-1)`: Σ wᵧ·nll / Σ wᵧ), then
 * summed over attributes. An attribute with no known label in the batch contributes 0 (PyTorch gives NaN).
 *
 * @param logits one `[N, C_k]` tensor per attribute
 * @param labels `[N, K]` class indices, −1 for unknown
 * @param classWeights per attribute, a weight per class, or null/omitted for uniform weights
 * @returns a scalar
 */
export function multiTaskAttributeLoss(
  logits: readonly tf.Tensor2D[],
  labels: AttributeLabels,
  classWeights?: readonly (readonly number[] | null)[],
): tf.Scalar {
  const n = logits[0]?.shape[0] ?? 0;
  const classCounts = logits.map((l) => l.shape[1]);
  const rows = labelRows(labels, n, classCounts);
  if (classWeights !== undefined && classWeights.length !== logits.length) {
    throw new ResNet3dInputError(
      'class weights',
      `${logits.length} entries (one per attribute)`,
      `${classWeights.length}`,
    );
  }
  return tf.tidy(() => {
    const perAttribute = logits.map((l, a) => {
      const weights = classWeights?.[a] ?? new Array(classCounts[a]).fill(1);
      if (weights.length !== classCounts[a]) {
        throw new ResNet3dInputError(`class weights[${a}]`, `${classCounts[a]} weights`, `${weights.length}`);
      }
      const ys = rows.map((r) => r[a]);
      const sampleWeights = tf.tensor1d(ys.map((y) => (y === UNKNOWN_LABEL ? 0 : weights[y])));
      const oneHot = tf.oneHot(
        tf.tensor1d(
          ys.map((y) => Math.max(y, 0)),
          'int32',
        ),
        classCounts[a],
      );
      const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(l)), 1));
      return tf.div(tf.sum(tf.mul(sampleWeights, nll)), tf.maximum(tf.sum(sampleWeights), 1e-12));
    });
    // A chain of adds rather than addN: same value, and gradients on every backend.
    return perAttribute.reduce((sum, l) => tf.add(sum, l)) as tf.Scalar;
  });
}

/**
 * Balanced class weights per attribute from a training set's labels: `known / (C · count_c)` (scikit-learn's
 * "balanced"), unknown labels ignored; a class never seen gets weight 0.
 */
export function balancedClassWeights(
  labels: readonly (readonly number[])[],
  classCounts: readonly number[],
): number[][] {
  return classCounts.map((classes, a) => {
    const counts = new Array(classes).fill(0);
    for (const row of labels) if (row[a] >= 0 && row[a] < classes) counts[row[a]]++;
    const known = counts.reduce((s, c) => s + c, 0);
    return counts.map((c) => (c === 0 ? 0 : known / (classes * c)));
  });
}
