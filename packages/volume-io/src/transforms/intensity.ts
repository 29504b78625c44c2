/**
 * Intensity transforms: windowing to [0, 1] and the random intensity scale, shift and gamma of the paper's
 * training augmentation. Outputs are float32.
 */
import type { Rng } from 'renal-core';
import { TransformError } from '../errors.js';
import type { Volume, VoxelArray } from '../volume.js';

function mapValues(v: Volume, f: (x: number) => number): Volume {
  const data = new Float32Array(v.data.length);
  const src = v.data;
  for (let n = 0; n < src.length; n++) data[n] = f(src[n]);
  const out: Volume = { ...v, data };
  delete out.nonFiniteCount;
  return out;
}

/** A window as level/width (CT convention) or as the range [aMin, aMax] mapped to [0, 1]. */
export type WindowSpec =
  | {
      /** Centre of the window (HU). */
      level: number;
      /** Width of the window (HU). */
      width: number;
    }
  | {
      /** Value mapped to 0. */
      aMin: number;
      /** Value mapped to 1. */
      aMax: number;
    };

/** [aMin, aMax] of a window. */
export function windowRange(spec: WindowSpec): [number, number] {
  return 'level' in spec
    ? [spec.level - spec.width / 2, spec.level + spec.width / 2]
    : [spec.aMin, spec.aMax];
}

/**
 * Maps [aMin, aMax] linearly to [0, 1] and clips (the paper: level 50, width 500 → HU [−200, 300]).
 * NaN voxels become 0.
 */
export function window(v: Volume, spec: WindowSpec): Volume {
  const [lo, hi] = windowRange(spec);
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new TransformError(
      v.source ?? 'volume',
      'window',
      `needs a finite range with max > min, got [${lo}, ${hi}]`,
    );
  }
  const scale = 1 / (hi - lo);
  return mapValues(v, (x) => {
    const y = (x - lo) * scale;
    // Math.max/min pass NaN through; `|| 0` turns it into 0.
    return Math.min(Math.max(y, 0), 1) || 0;
  });
}

/** Multiplies intensities by (1 + factor). */
export function scaleIntensity(v: Volume, factor: number): Volume {
  return mapValues(v, (x) => x * (1 + factor));
}

/** Adds an offset to intensities. */
export function shiftIntensity(v: Volume, offset: number): Volume {
  return mapValues(v, (x) => x + offset);
}

function range(data: VoxelArray): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const x of data) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** Gamma contrast on the volume's own range: ((x − min)/(max − min))^γ · (max − min) + min (MONAI's). */
export function adjustGamma(v: Volume, gamma: number): Volume {
  const [lo, hi] = range(v.data);
  const span = hi - lo + 1e-7;
  return mapValues(v, (x) => ((x - lo) / span) ** gamma * span + lo);
}

/** Options of {@link randomIntensity}. */
export interface RandomIntensityOptions {
  /** Scale factor drawn from [−scale, scale] (default 0.1); intensities × (1 + factor). */
  scale?: number;
  /** Offset drawn from [−shift, shift] (default 0.1). */
  shift?: number;
}

/** Parameters drawn by {@link randomIntensity}. */
export interface IntensityParams {
  /** Intensities are multiplied by 1 + factor. */
  factor: number;
  /** Then this is added. */
  offset: number;
}

/** Draws intensity scale and shift parameters. */
export function sampleIntensity(rng: Rng, options: RandomIntensityOptions = {}): IntensityParams {
  const s = options.scale ?? 0.1;
  const t = options.shift ?? 0.1;
  return { factor: rng.uniformIn(-s, s), offset: rng.uniformIn(-t, t) };
}

/** Random intensity scale then shift (paper: ±0.1 each). */
export function randomIntensity(v: Volume, rng: Rng, options: RandomIntensityOptions = {}): Volume {
  const { factor, offset } = sampleIntensity(rng, options);
  return mapValues(v, (x) => x * (1 + factor) + offset);
}

/** Options of {@link randomGamma}. */
export interface RandomGammaOptions {
  /** γ range (default [0.5, 2]). */
  gamma?: [number, number];
  /** Probability of applying (default 0.5). */
  probability?: number;
}

/** Draws γ, or undefined when the transform is skipped. */
export function sampleGamma(rng: Rng, options: RandomGammaOptions = {}): number | undefined {
  const [lo, hi] = options.gamma ?? [0.5, 2];
  const apply = rng.bernoulli(options.probability ?? 0.5);
  const gamma = rng.uniformIn(lo, hi);
  return apply ? gamma : undefined;
}

/** Random gamma contrast (paper: γ ∈ [0.5, 2], p = 0.5). */
export function randomGamma(v: Volume, rng: Rng, options: RandomGammaOptions = {}): Volume {
  const gamma = sampleGamma(rng, options);
  return gamma === undefined ? v : adjustGamma(v, gamma);
}
