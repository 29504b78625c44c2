/**
 * A batch of token sequences on the host, left-padded to one length (LLM2Vec pads on the left so the
 * last position is every sequence's last token).
 */
export interface TokenBatch {
  batchSize: number;
  seqLen: number;
  /** `[batchSize · seqLen]` row-major token ids (pads hold the pad id). */
  inputIds: Int32Array;
  /** `[batchSize · seqLen]` 1 on real tokens, 0 on padding. */
  attentionMask: Uint8Array;
}

/** Left-pads sequences into a {@link TokenBatch}. */
export function padLeft(sequences: readonly (readonly number[])[], padId: number): TokenBatch {
  const batchSize = sequences.length;
  const seqLen = Math.max(1, ...sequences.map((s) => s.length));
  const inputIds = new Int32Array(batchSize * seqLen).fill(padId);
  const attentionMask = new Uint8Array(batchSize * seqLen);
  sequences.forEach((seq, b) => {
    const offset = b * seqLen + seqLen - seq.length;
    inputIds.set(seq, offset);
    attentionMask.fill(1, offset, offset + seq.length);
  });
  return { batchSize, seqLen, inputIds, attentionMask };
}

/**
 * Rotary position of each token: 0 at the first real token of its row, counting up (pads get 0). RoPE
 * attention depends only on position differences, so this equals Hugging Face's 0…T−1 numbering in exact
 * arithmetic and makes a text's embedding independent of how much padding its batch needed.
 */
export function positionIds(batch: TokenBatch): Int32Array {
  const { batchSize, seqLen, attentionMask } = batch;
  const pos = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    let p = 0;
    let started = false;
    for (let t = 0; t < seqLen; t++) {
      const i = b * seqLen + t;
      if (attentionMask[i]) started = true;
      pos[i] = started ? p++ : 0;
    }
  }
  return pos;
}

/**
 * Additive attention bias `[batchSize, 1, seqLen, seqLen]`: −1e9 where a key is padding or (when causal)
 * in the future, 0 elsewhere. A large finite value instead of −∞ keeps all-masked rows (pads) finite.
 */
export function attentionBias(batch: TokenBatch, bidirectional: boolean): Float32Array {
  const { batchSize, seqLen, attentionMask } = batch;
  const bias = new Float32Array(batchSize * seqLen * seqLen);
  for (let b = 0; b < batchSize; b++) {
    for (let q = 0; q < seqLen; q++) {
      const row = (b * seqLen + q) * seqLen;
      for (let k = 0; k < seqLen; k++) {
        if (!attentionMask[b * seqLen + k] || (!bidirectional && k > q)) bias[row + k] = -1e9;
      }
    }
  }
  return bias;
}
