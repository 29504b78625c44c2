import { type Rng, tf } from 'renal-core';
import type { TokenBatch } from './batch.js';
import { mm } from './matmul.js';
import type { LlamaModel } from './model.js';
import { crossEntropy, selectRows } from './pooling.js';

/** A batch with some tokens replaced for masked next-token prediction. */
export interface MaskedBatch {
  /** The corrupted batch the model reads. */
  batch: TokenBatch;
  /** Flat positions `b·T + t` whose original token must be predicted (never position 0 of a row). */
  positions: Int32Array;
  /** The original token at each of `positions`. */
  labels: Int32Array;
}

/** MNTP masking settings (LLM2Vec: 20 % of tokens; of those 80 % mask token, 10 % random, 10 % kept). */
export interface MaskingOptions {
  probability?: number;
  /** The mask token id: Llama-3's "_" (62) in LLM2Vec. */
  maskTokenId: number;
  /** Ids never masked (BOS, EOS, prompt specials). */
  specialIds?: ReadonlySet<number>;
  /** Size of the vocabulary random replacements are drawn from. */
  vocabSize: number;
}

/**
 * Chooses MNTP targets as Hugging Face's `DataCollatorForLanguageModeling` does, except that the first real
 * token of a row is never chosen (no earlier position could predict it). Padding and special ids are skipped.
 */
export function maskForMntp(batch: TokenBatch, options: MaskingOptions, rng: Rng): MaskedBatch {
  const p = options.probability ?? 0.2;
  const specials = options.specialIds ?? new Set<number>();
  const ids = batch.inputIds.slice();
  const positions: number[] = [];
  const labels: number[] = [];
  const { batchSize: B, seqLen: T, attentionMask } = batch;
  for (let b = 0; b < B; b++) {
    for (let t = 1; t < T; t++) {
      const i = b * T + t;
      if (!attentionMask[i] || !attentionMask[i - 1] || specials.has(ids[i])) continue;
      if (rng.uniform() >= p) continue;
      positions.push(i);
      labels.push(ids[i]);
      const r = rng.uniform();
      if (r < 0.8) ids[i] = options.maskTokenId;
      else if (r < 0.9) ids[i] = rng.int(options.vocabSize);
    }
  }
  return {
    batch: { ...batch, inputIds: ids },
    positions: Int32Array.from(positions),
    labels: Int32Array.from(labels),
  };
}

/**
 * MNTP loss: cross-entropy of the token at each masked position i, predicted from the logits at i − 1
 * (the model is a decoder, so its output at i − 1 is trained to predict token i). Mean over targets;
 * 0 when nothing was masked.
 */
export function mntpLoss(
  model: LlamaModel,
  masked: MaskedBatch,
  options: { training?: boolean; seed?: number; bidirectional?: boolean } = {},
): tf.Scalar {
  return tf.tidy(() => {
    if (masked.positions.length === 0) return tf.scalar(0);
    const hidden = model.forward(masked.batch, {
      training: options.training,
      seed: options.seed,
      bidirectional: options.bidirectional ?? true,
    });
    const D = hidden.shape[2];
    const previous = masked.positions.map((i) => i - 1);
    const states = selectRows(tf.reshape(hidden, [-1, D]) as tf.Tensor2D, previous);
    const head = model.lmHead;
    const logits = mm(states, tf.transpose(head), {
      b: !(head instanceof tf.Variable && head.trainable),
    }) as tf.Tensor2D;
    return crossEntropy(logits, masked.labels);
  });
}
