import { tf } from 'renal-core';
import type { TokenBatch } from './batch.js';
import { mm } from './matmul.js';
import type { LlamaModel } from './model.js';
import { crossEntropy, l2Normalize, pool } from './pooling.js';

/**
 * Unsupervised SimCSE loss: the batch is encoded twice with dropout (two different masks), and each
 * first-pass embedding must pick its own second-pass embedding among all of the batch's — cross-entropy
 * over cosine similarities × `scale` (20 in LLM2Vec, i.e. temperature 0.05), in-batch negatives.
 */
export function simcseLoss(
  model: LlamaModel,
  batch: TokenBatch,
  poolWeights: Float32Array,
  options: { scale?: number; dropout?: number; seed?: number; bidirectional?: boolean } = {},
): tf.Scalar {
  const scale = options.scale ?? 20;
  const seed = options.seed ?? 1;
  return tf.tidy(() => {
    const pass = (s: number) => {
      const hidden = model.forward(batch, {
        training: true,
        attentionDropout: options.dropout,
        seed: s,
        bidirectional: options.bidirectional ?? true,
      });
      const e = pool(hidden, poolWeights);
      return l2Normalize(e);
    };
    return contrastiveLoss(pass(seed), pass(seed + 100_003), scale);
  });
}

/**
 * In-batch contrastive loss of two views `[B, D]` (unit rows): row i of `first` must pick row i of `second`
 * among all B — cross-entropy over `scale ·` cosine similarities, one direction as in LLM2Vec.
 */
export function contrastiveLoss(first: tf.Tensor2D, second: tf.Tensor2D, scale = 20): tf.Scalar {
  return tf.tidy(() => {
    const B = first.shape[0];
    const logits = tf.mul(mm(first, tf.transpose(second)), scale);
    return crossEntropy(
      logits as tf.Tensor2D,
      Int32Array.from({ length: B }, (_, i) => i),
    );
  });
}
