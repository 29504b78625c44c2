import type { Rng } from 'renal-core';

/** Options of {@link cropForModel}. */
export interface AugmentOptions {
  /** Random crop position and intensity changes (training); otherwise a centre crop, untouched. */
  train: boolean;
  /** Random left–right flip (the paper flips downstream only). */
  flip?: boolean;
}

/**
 * Cuts the model input `[D, H, W]` out of a cached crop `[Dc, Hc, Wc]` — at a random position in training,
 * centred otherwise — and in training applies the paper's intensity augmentations: scale and shift ±0.1,
 * gamma in [0.5, 2] with probability 0.5, and optionally a flip along W. Values stay in [0, 1].
 */
export function cropForModel(
  cached: Float32Array,
  cacheShape: readonly [number, number, number],
  inputShape: readonly [number, number, number],
  rng: Rng,
  options: AugmentOptions,
): Float32Array {
  const [Dc, Hc, Wc] = cacheShape;
  const [D, H, W] = inputShape;
  const offset = (full: number, part: number) =>
    options.train ? rng.int(full - part + 1) : Math.floor((full - part) / 2);
  const od = offset(Dc, D);
  const oh = offset(Hc, H);
  const ow = offset(Wc, W);
  const flip = options.train && options.flip === true && rng.bernoulli(0.5);
  const scale = options.train ? 1 + rng.uniformIn(-0.1, 0.1) : 1;
  const shift = options.train ? rng.uniformIn(-0.1, 0.1) : 0;
  const gamma = options.train && rng.bernoulli(0.5) ? Math.exp(rng.uniformIn(Math.log(0.5), Math.log(2))) : 1;
  const out = new Float32Array(D * H * W);
  let o = 0;
  for (let d = 0; d < D; d++) {
    for (let h = 0; h < H; h++) {
      const row = ((d + od) * Hc + (h + oh)) * Wc + ow;
      for (let w = 0; w < W; w++) {
        let v = cached[row + (flip ? W - 1 - w : w)];
        if (gamma !== 1) v = v ** gamma;
        v = v * scale + shift;
        out[o++] = v < 0 ? 0 : Math.min(v, 1);
      }
    }
  }
  return out;
}
