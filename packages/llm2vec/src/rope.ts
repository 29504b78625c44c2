import type { LlamaConfig } from './config.js';

/**
 * Rotary inverse frequencies `θ^(-2i/d)` for i < d/2, with Llama-3's `rope_scaling` applied when present:
 * wavelengths longer than `original/low_freq_factor` are divided by `factor`, shorter than
 * `original/high_freq_factor` kept, and the band between interpolated smoothly (as in Hugging Face).
 */
export function ropeInverseFrequencies(config: LlamaConfig): Float64Array {
  const half = config.headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / config.ropeTheta ** ((2 * i) / config.headDim);
  const s = config.ropeScaling;
  if (!s) return inv;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < half; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowWavelen) {
      inv[i] /= s.factor;
    } else if (wavelen >= highWavelen) {
      const smooth =
        (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
  return inv;
}

/**
 * cos and sin tables for the given positions, `[positions.length, headDim]` each, with the frequencies
 * repeated twice along the width (Hugging Face's `rotate_half` layout). Computed in float64, stored float32.
 */
export function ropeTables(
  invFreq: Float64Array,
  positions: ArrayLike<number>,
): { cos: Float32Array; sin: Float32Array } {
  const half = invFreq.length;
  const width = 2 * half;
  const cos = new Float32Array(positions.length * width);
  const sin = new Float32Array(positions.length * width);
  for (let p = 0; p < positions.length; p++) {
    for (let i = 0; i < half; i++) {
      // Hugging Face computes the angle in float32; rounding it the same way keeps long positions identical.
      const angle = Math.fround(Math.fround(positions[p]) * Math.fround(invFreq[i]));
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * width + i] = c;
      cos[p * width + half + i] = c;
      sin[p * width + i] = s;
      sin[p * width + half + i] = s;
    }
  }
  return { cos, sin };
}
