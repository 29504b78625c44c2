/** Presets and knobs of the generator. */

/** Name of a built-in size preset. */
export type PresetName = 'tiny' | 'paper';

/** Grid of the generated volumes. */
export interface GridSpec {
  /** Voxels along i (patient right → left), j (anterior → posterior), k (inferior → superior). */
  shape: [number, number, number];
  /** Voxel size in millimetres along i, j, k. */
  spacing: [number, number, number];
}

/**
 * Built-in grids. Both cover the same 204.8 × 204.8 × 160 mm slab, so the anatomy and every label are the
 * same; `tiny` is half the resolution (1.6 × 1.6 × 5 mm), which still shows a 1 cm mass as ~6 voxels across and
 * keeps a 16×64×64 kidney crop informative.
 */
export const PRESETS: Readonly<Record<PresetName, GridSpec>> = {
  tiny: { shape: [128, 128, 32], spacing: [1.6, 1.6, 5] },
  paper: { shape: [256, 256, 64], spacing: [0.8, 0.8, 2.5] },
};

/** Knobs of the cohort model; every field has a default (see `DEFAULT_KNOBS`). */
export interface SynthKnobs {
  /** How strongly the images show the features: 1 = full contrast of masses against parenchyma, 0 = none. */
  imageSignal: number;
  /** Scale of the feature → pathology logits: larger makes pathology more predictable from the features. */
  pathologySignal: number;
  /** Scale of the pathology/feature → survival risk coefficients. */
  outcomeSignal: number;
  /** Probability that a known attribute label (and hence the report) is replaced by another class. */
  labelNoise: number;
  /** Probability that an attribute is unknown (−1, not mentioned in the report); `lesion_count` is always known. */
  unknownRate: number;
  /** Standard deviation of the scanner noise in HU (before the in-plane blur). */
  noiseHU: number;
  /** Fractions of patients in train / val / test (the rest, if any, goes to test). */
  splits: [number, number, number];
}

/** Default knobs: realistic, learnable and not trivial. */
export const DEFAULT_KNOBS: Readonly<SynthKnobs> = {
  imageSignal: 1,
  pathologySignal: 1,
  outcomeSignal: 1,
  labelNoise: 0.03,
  unknownRate: 0.12,
  noiseHU: 12,
  splits: [0.7, 0.15, 0.15],
};

/** Resolves a preset name or an explicit grid. */
export function resolveGrid(preset: PresetName | GridSpec | undefined): GridSpec {
  if (preset === undefined) return PRESETS.paper;
  if (typeof preset === 'string') {
    const grid = PRESETS[preset];
    if (!grid) throw new SynthOptionError(`unknown preset "${preset}" (expected tiny or paper)`);
    return grid;
  }
  const { shape, spacing } = preset;
  if (shape.length !== 3 || shape.some((n) => !Number.isInteger(n) || n < 16 || n > 1024)) {
    throw new SynthOptionError(`grid shape ${JSON.stringify(shape)} must be 3 integers in [16, 1024]`);
  }
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0 && s < 20))) {
    throw new SynthOptionError(`grid spacing ${JSON.stringify(spacing)} must be 3 numbers in (0, 20) mm`);
  }
  return { shape: [...shape], spacing: [...spacing] };
}

/** Merges knobs over the defaults and checks their ranges. */
export function resolveKnobs(knobs: Partial<SynthKnobs> | undefined): SynthKnobs {
  const merged: SynthKnobs = { ...DEFAULT_KNOBS, ...knobs };
  const unit = ['imageSignal', 'labelNoise', 'unknownRate'] as const;
  for (const key of unit) {
    if (!(merged[key] >= 0 && merged[key] <= 1)) throw new SynthOptionError(`${key} must be in [0, 1]`);
  }
  for (const key of ['pathologySignal', 'outcomeSignal', 'noiseHU'] as const) {
    if (!(merged[key] >= 0 && Number.isFinite(merged[key]))) {
      throw new SynthOptionError(`${key} must be a finite number ≥ 0`);
    }
  }
  const [tr, va, te] = merged.splits;
  if (![tr, va, te].every((f) => f >= 0) || tr + va + te <= 0) {
    throw new SynthOptionError('splits must be three non-negative fractions with a positive sum');
  }
  return merged;
}

/** Bad generator options: names the option and the problem. */
export class SynthOptionError extends Error {
  override name = 'SynthOptionError';
  constructor(message: string) {
    super(`renal-synth: ${message}`);
  }
}
