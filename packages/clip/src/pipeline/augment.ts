import type { Rng } from 'renal-core';

/** Options of {@link cropForModel}. */
export interface AugmentOptions {
  /** Random crop position, random affine and intensity changes (training); otherwise a centre crop, untouched. */
  train: boolean;
  /** Random left–right flip (the paper flips downstream only). */
  flip?: boolean;
  /**
   * The paper's random affine in the axial plane (training only; default on): rotation about the
   * craniocaudal axis within ±`rotateDeg`, isotropic in-plane scale within ±`scale`, on top of the random crop
   * position (the translation). `false` turns it off.
   */
  affine?: { rotateDeg: number; scale: number } | false;
  /** The paper's intensity scale/shift and gamma (training only; default on). */
  intensity?: boolean;
}

/** The paper's affine ranges: ±10° and ±10 %. */
export const PAPER_AFFINE = { rotateDeg: 10, scale: 0.1 } as const;

/** In-plane sampling map of one training crop: output (h, w) → cached (y, x). */
interface PlaneMap {
  /** Cached coordinates of the crop's centre. */
  cy: number;
  cx: number;
  /** Row-major 2×2 matrix from output offsets (dy, dx) to cached offsets. */
  m: [number, number, number, number];
}

function planeMap(
  rng: Rng,
  options: AugmentOptions,
  oh: number,
  ow: number,
  H: number,
  W: number,
): PlaneMap | undefined {
  const affine = options.affine === undefined ? PAPER_AFFINE : options.affine;
  if (!options.train || affine === false) return undefined;
  const theta = (rng.uniformIn(-affine.rotateDeg, affine.rotateDeg) * Math.PI) / 180;
  // Zooming in by s shows the cached crop shrunk by 1/s: sample at offsets divided by s.
  const inverseScale = 1 / (1 + rng.uniformIn(-affine.scale, affine.scale));
  const c = Math.cos(theta) * inverseScale;
  const s = Math.sin(theta) * inverseScale;
  return { cy: oh + (H - 1) / 2, cx: ow + (W - 1) / 2, m: [c, -s, s, c] };
}

/** Bilinear sample of one cached slice at (y, x); 0 (air after windowing) outside. */
function bilinear(cached: Float32Array, base: number, Hc: number, Wc: number, y: number, x: number): number {
  if (y < 0 || x < 0 || y > Hc - 1 || x > Wc - 1) return 0;
  const y0 = Math.min(Math.floor(y), Math.max(Hc - 2, 0));
  const x0 = Math.min(Math.floor(x), Math.max(Wc - 2, 0));
  const fy = y - y0;
  const fx = x - x0;
  const y1 = Math.min(y0 + 1, Hc - 1);
  const x1 = Math.min(x0 + 1, Wc - 1);
  const top = cached[base + y0 * Wc + x0] * (1 - fx) + cached[base + y0 * Wc + x1] * fx;
  const bottom = cached[base + y1 * Wc + x0] * (1 - fx) + cached[base + y1 * Wc + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Cuts the model input `[D, H, W]` out of a cached crop `[Dc, Hc, Wc]` — at a random position in training,
 * centred otherwise — and in training applies the paper's augmentations: the random affine in the axial plane
 * (rotation ±10°, scale ±10 %, bilinear; the random position is its translation), intensity scale and shift
 * ±0.1, gamma in [0.5, 2] with probability 0.5, and optionally a flip along W. Values stay in [0, 1].
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
  const intensity = options.train && options.intensity !== false;
  const scale = intensity ? 1 + rng.uniformIn(-0.1, 0.1) : 1;
  const shift = intensity ? rng.uniformIn(-0.1, 0.1) : 0;
  const gamma = intensity && rng.bernoulli(0.5) ? Math.exp(rng.uniformIn(Math.log(0.5), Math.log(2))) : 1;
  const plane = planeMap(rng, options, oh, ow, H, W);
  const out = new Float32Array(D * H * W);
  let o = 0;
  for (let d = 0; d < D; d++) {
    const slice = (d + od) * Hc * Wc;
    for (let h = 0; h < H; h++) {
      const row = slice + (h + oh) * Wc + ow;
      for (let w = 0; w < W; w++) {
        const ws = flip ? W - 1 - w : w;
        let v: number;
        if (plane) {
          const dy = h - (H - 1) / 2;
          const dx = ws - (W - 1) / 2;
          const [a, b, c, e] = plane.m;
          v = bilinear(cached, slice, Hc, Wc, plane.cy + a * dy + b * dx, plane.cx + c * dy + e * dx);
        } else {
          v = cached[row + ws];
        }
        if (gamma !== 1) v = v ** gamma;
        v = v * scale + shift;
        out[o++] = v < 0 ? 0 : Math.min(v, 1);
      }
    }
  }
  return out;
}
