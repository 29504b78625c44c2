/**
 * The paper's preprocessing of one kidney, as one call and as a `Compose` chain:
 * crop a 140×140×160 mm box around the kidney/tumour centre (pad −1000 HU) → orient RAS → resize to
 * 140×140×32 → window level 50 / width 500 ([−200, 300] HU → [0, 1], clipped) → centre crop 128×128×32
 * (evaluation), or random crop + random affine + intensity scale/shift + gamma (+ flip) for training.
 */
import { Rng } from 'renal-core';
import { TransformError } from './errors.js';
import { randomAffine, sampleFlip } from './transforms/augment.js';
import {
  CenterCrop,
  Compose,
  CropAround,
  Orient,
  RandomAffine,
  RandomCrop,
  RandomFlip,
  RandomGamma,
  RandomIntensity,
  Resize,
  type Transform,
  Window,
} from './transforms/compose.js';
import { randomGamma, randomIntensity, type WindowSpec, window } from './transforms/intensity.js';
import {
  centerCrop,
  cropAroundPoint,
  flip as flipAxes,
  orientToRAS,
  randomCrop,
  resize,
} from './transforms/spatial.js';
import type { Vec3, Volume } from './volume.js';

/** Sizes of one preset, all in (i, j, k) = (R, A, S) order after orientation. */
export interface KidneyPreset {
  /** Preset name. */
  name: string;
  /** Box cropped around the centre, millimetres along R, A, S. */
  boxMm: Vec3;
  /** Shape the box is resized to (voxels). */
  resized: Vec3;
  /** Final crop fed to the model (voxels); its tensor is `[crop[2], crop[1], crop[0], 1]`. */
  crop: Vec3;
  /** Intensity window. */
  window: WindowSpec;
  /** HU outside the scan (air). */
  padValue: number;
}

/** `paper`: the RenalCLIP sizes (tensor `[32, 128, 128, 1]`); `tiny`: half in-plane and depth (`[16, 64, 64, 1]`). */
export const KIDNEY_PRESETS: Record<'paper' | 'tiny', KidneyPreset> = {
  paper: {
    name: 'paper',
    boxMm: [140, 140, 160],
    resized: [140, 140, 32],
    crop: [128, 128, 32],
    window: { level: 50, width: 500 },
    padValue: -1000,
  },
  tiny: {
    name: 'tiny',
    boxMm: [140, 140, 160],
    resized: [70, 70, 16],
    crop: [64, 64, 16],
    window: { level: 50, width: 500 },
    padValue: -1000,
  },
};

/** A preset by name, or the preset itself. */
export function kidneyPreset(preset: 'paper' | 'tiny' | KidneyPreset = 'paper'): KidneyPreset {
  if (typeof preset !== 'string') return preset;
  const p = KIDNEY_PRESETS[preset];
  if (!p)
    throw new TransformError('preset', 'name', `unknown preset ${JSON.stringify(preset)} (paper or tiny)`);
  return p;
}

/** Options of {@link preprocessKidney}. */
export interface PreprocessKidneyOptions {
  /** The centre is a world (RAS mm) point rather than voxel indices. */
  world?: boolean;
  /** Training augmentation with this seed/Rng; without it, the deterministic evaluation crop. */
  augment?: number | Rng;
  /** Random left/right flip during augmentation (the paper: downstream tasks only). Default false. */
  flip?: boolean;
}

/**
 * The deterministic, cacheable part: crop the mm box, orient RAS, resize, window. Shape `preset.resized`,
 * float32 in [0, 1].
 */
export function kidneyBase(
  volume: Volume,
  center: readonly number[],
  preset: 'paper' | 'tiny' | KidneyPreset = 'paper',
  options: { world?: boolean } = {},
): Volume {
  const p = kidneyPreset(preset);
  const box = cropAroundPoint(volume, center, p.boxMm, { world: options.world, padValue: p.padValue });
  return window(resize(orientToRAS(box), p.resized), p.window);
}

/** From a {@link kidneyBase} to the model's crop: centre crop, or the paper's random augmentation. */
export function finishKidney(
  base: Volume,
  preset: 'paper' | 'tiny' | KidneyPreset = 'paper',
  options: Pick<PreprocessKidneyOptions, 'augment' | 'flip'> = {},
): Volume {
  const p = kidneyPreset(preset);
  if (options.augment === undefined) return centerCrop(base, p.crop);
  const rng = typeof options.augment === 'number' ? new Rng(options.augment) : options.augment;
  let v = randomCrop(base, p.crop, rng);
  v = randomAffine(v, rng);
  v = randomIntensity(v, rng);
  v = randomGamma(v, rng);
  if (options.flip) v = flipAxes(v, sampleFlip(rng, [0]));
  return v;
}

/**
 * The paper's whole preprocessing of one kidney: `volume` in HU, `center` the kidney or tumour centre (voxel
 * i, j, k unless `world`). Returns a float32 volume of shape `preset.crop` (paper 128×128×32, i.e. the tensor
 * `[32, 128, 128, 1]` after {@link toTensor}).
 */
export function preprocessKidney(
  volume: Volume,
  center: readonly number[],
  preset: 'paper' | 'tiny' | KidneyPreset = 'paper',
  options: PreprocessKidneyOptions = {},
): Volume {
  return finishKidney(kidneyBase(volume, center, preset, options), preset, options);
}

/**
 * The same pipeline as a {@link Compose} over records `{ image, mask?, center }` (masks follow with nearest
 * interpolation): `kidneyPipeline('paper', { train: true }).run(record, seed)`.
 */
export function kidneyPipeline(
  preset: 'paper' | 'tiny' | KidneyPreset = 'paper',
  options: { train?: boolean; flip?: boolean; world?: boolean } = {},
): Compose {
  const p = kidneyPreset(preset);
  const steps: Transform[] = [
    CropAround({ sizeMm: p.boxMm, world: options.world, padValue: p.padValue }) as Transform,
    Orient() as Transform,
    Resize({ shape: p.resized }) as Transform,
    Window(p.window) as Transform,
  ];
  if (options.train) {
    steps.push(RandomCrop({ size: p.crop }) as Transform, RandomAffine() as Transform);
    steps.push(RandomIntensity() as Transform, RandomGamma() as Transform);
    if (options.flip) steps.push(RandomFlip() as Transform);
  } else steps.push(CenterCrop({ size: p.crop }) as Transform);
  return new Compose(steps);
}
