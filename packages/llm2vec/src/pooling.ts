import { tf } from 'renal-core';
import type { TokenBatch } from './batch.js';
import { mm } from './matmul.js';

/**
 * How token states become one vector: `mean` (LLM2Vec's default), `weighted_mean` (later tokens weigh
 * more: weights 1, 2, …, n), `last` (the final token, EOS when the prompt ends with one) or `first` (BOS).
 */
export type PoolingMode = 'mean' | 'weighted_mean' | 'last' | 'first';

/**
 * Per-token pooling weights `[B·T]` (rows sum to 1) for a batch. `poolMask` (default the attention mask)
 * marks the tokens that may be pooled — the prompt builder clears instruction tokens there.
 */
export function poolingWeights(
  batch: TokenBatch,
  mode: PoolingMode,
  poolMask: Uint8Array = batch.attentionMask,
): Float32Array {
  const { batchSize: B, seqLen: T } = batch;
  const w = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    const row = b * T;
    const idx: number[] = [];
    for (let t = 0; t < T; t++) if (poolMask[row + t]) idx.push(t);
    if (idx.length === 0) continue;
    if (mode === 'mean') {
      for (const t of idx) w[row + t] = 1 / idx.length;
    } else if (mode === 'weighted_mean') {
      const total = (idx.length * (idx.length + 1)) / 2;
      idx.forEach((t, rank) => {
        w[row + t] = (rank + 1) / total;
      });
    } else if (mode === 'last') {
      w[row + idx[idx.length - 1]] = 1;
    } else if (mode === 'first') {
      w[row + idx[0]] = 1;
    } else {
      throw new Error(`unknown pooling mode '${String(mode)}'`);
    }
  }
  return w;
}

/** Pools hidden states `[B, T, D]` with weights `[B·T]` from {@link poolingWeights} → `[B, D]`. */
export function pool(hidden: tf.Tensor3D, weights: Float32Array): tf.Tensor2D {
  const [B, T, D] = hidden.shape;
  return tf.tidy(
    () => tf.reshape(mm(tf.tensor3d(weights, [B, 1, T]), hidden, { a: true }), [B, D]) as tf.Tensor2D,
  );
}

/** Rows scaled to unit L2 norm (a zero row stays zero). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D);
}

/**
 * Mean cross-entropy of logits `[N, C]` against integer labels. The label log-probabilities are picked by
 * a product with a one-hot matrix built on the host: tfjs's gather gradient (UnsortedSegmentSum) is
 * quadratic on the cpu backend and fails on 1-D params.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  return tf.tidy(() => {
    const [n, c] = logits.shape;
    const oneHot = new Float32Array(n * c);
    labels.forEach((label, row) => {
      oneHot[row * c + label] = 1;
    });
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(oneHot, [n, c])));
    return tf.div(tf.neg(picked), n) as tf.Scalar;
  });
}

/**
 * Rows of a matrix `[N, D]` at `indices`, as a product with a host-built selection matrix (differentiable
 * and cheap on every backend, unlike gather's gradient).
 */
export function selectRows(matrix: tf.Tensor2D, indices: ArrayLike<number>): tf.Tensor2D {
  return tf.tidy(() => {
    const n = matrix.shape[0];
    const select = new Float32Array(indices.length * n);
    for (let i = 0; i < indices.length; i++) select[i * n + indices[i]] = 1;
    return mm(tf.tensor2d(select, [indices.length, n]), matrix, { a: true });
  });
}
