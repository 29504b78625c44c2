/**
 * Transforms as values: each has a JSON config (for cache keys), draws its random parameters once per call, and
 * applies them to an image (trilinear) or a mask (nearest, intensity untouched) — so in a keyed record
 * (`{ image, mask, … }`) the mask follows the image exactly. `Compose` chains them.
 */
import { Rng } from 'renal-core';
import { TransformError } from '../errors.js';
import type { Vec3, Volume } from '../volume.js';
import {
  type AffineParams,
  type RandomAffineOptions,
  sampleAffine,
  sampleFlip,
  warpAffine,
} from './augment.js';
import {
  adjustGamma,
  type IntensityParams,
  type RandomGammaOptions,
  type RandomIntensityOptions,
  sampleGamma,
  sampleIntensity,
  type WindowSpec,
  window,
} from './intensity.js';
import {
  centerCrop,
  cropAroundPoint,
  cropBox,
  flip,
  orientToRAS,
  randomCropStart,
  resampleToSpacing,
  resize,
} from './spatial.js';

/** How a volume is treated: `image` (trilinear, intensity transforms apply) or `mask` (nearest, labels kept). */
export type Role = 'image' | 'mask';

/** A record of volumes and their companions, e.g. `{ image, mask, center }`. */
export type VolumeRecord = Record<string, unknown>;

/** One transform: parameters drawn once (from the reference image and record), applied to every keyed volume. */
export interface Transform<P = unknown> {
  /** Name, e.g. `Resample`. */
  readonly name: string;
  /** JSON-serialisable configuration (part of cache keys). */
  readonly config: Record<string, unknown>;
  /** True when `sample` draws random numbers. */
  readonly random: boolean;
  /** Draws or computes the parameters for one call. */
  sample(rng: Rng | undefined, reference: Volume, record: VolumeRecord): P;
  /** Applies the parameters to one volume. */
  apply(volume: Volume, params: P, role: Role): Volume;
}

function needRng(rng: Rng | undefined, name: string): Rng {
  if (!rng) throw new TransformError(name, 'rng', 'random transform called without a seed or Rng');
  return rng;
}

function make<P>(
  name: string,
  config: Record<string, unknown>,
  random: boolean,
  sample: Transform<P>['sample'],
  apply: Transform<P>['apply'],
): Transform<P> {
  return { name, config, random, sample, apply };
}

/** {@link orientToRAS} as a transform. */
export function Orient(): Transform<undefined> {
  return make(
    'Orient',
    { axcodes: 'RAS' },
    false,
    () => undefined,
    (v) => orientToRAS(v),
  );
}

/** {@link resampleToSpacing} as a transform. */
export function Resample(options: { spacing: Vec3 }): Transform<undefined> {
  return make(
    'Resample',
    { ...options },
    false,
    () => undefined,
    (v, _p, role) => resampleToSpacing(v, options.spacing, role === 'mask' ? 'nearest' : 'linear'),
  );
}

/** {@link resize} as a transform. */
export function Resize(options: { shape: Vec3 }): Transform<undefined> {
  return make(
    'Resize',
    { ...options },
    false,
    () => undefined,
    (v, _p, role) => resize(v, options.shape, role === 'mask' ? 'nearest' : 'linear'),
  );
}

/**
 * {@link cropAroundPoint} as a transform: the centre is `options.center`, or read from the record's
 * `centerKey` (default `center`). Masks are padded with 0.
 */
export function CropAround(options: {
  sizeMm: Vec3;
  center?: Vec3;
  centerKey?: string;
  world?: boolean;
  padValue?: number;
}): Transform<Vec3> {
  const key = options.centerKey ?? 'center';
  return make(
    'CropAround',
    { sizeMm: options.sizeMm, world: options.world ?? false, padValue: options.padValue ?? -1000 },
    false,
    (_rng, ref, record) => {
      const c = options.center ?? (record[key] as Vec3 | undefined);
      if (!c) throw new TransformError(ref.source ?? 'record', key, 'no crop centre given');
      return c;
    },
    (v, center, role) =>
      cropAroundPoint(v, center, options.sizeMm, {
        world: options.world,
        padValue: role === 'mask' ? 0 : (options.padValue ?? -1000),
      }),
  );
}

/** {@link window} as a transform (masks untouched). */
export function Window(spec: WindowSpec): Transform<undefined> {
  return make(
    'Window',
    { ...spec },
    false,
    () => undefined,
    (v, _p, role) => (role === 'mask' ? v : window(v, spec)),
  );
}

/** {@link centerCrop} as a transform. */
export function CenterCrop(options: { size: Vec3; padValue?: number }): Transform<undefined> {
  return make(
    'CenterCrop',
    { ...options },
    false,
    () => undefined,
    (v, _p, role) => centerCrop(v, options.size, role === 'mask' ? 0 : (options.padValue ?? 0)),
  );
}

/** A random crop of `size` voxels as a transform (same box for image and mask). */
export function RandomCrop(options: { size: Vec3; padValue?: number }): Transform<number[]> {
  return make(
    'RandomCrop',
    { ...options },
    true,
    (rng, ref) => randomCropStart(ref.shape, options.size, needRng(rng, 'RandomCrop')),
    (v, start, role) => cropBox(v, start, options.size, role === 'mask' ? 0 : (options.padValue ?? 0)),
  );
}

/** A random affine warp as a transform (paper defaults; masks warped with nearest). */
export function RandomAffine(
  options: RandomAffineOptions & { padValue?: number } = {},
): Transform<AffineParams> {
  return make(
    'RandomAffine',
    { ...options },
    true,
    (rng) => sampleAffine(needRng(rng, 'RandomAffine'), options),
    (v, p, role) =>
      warpAffine(v, p, role === 'mask' ? 'nearest' : 'linear', role === 'mask' ? 0 : (options.padValue ?? 0)),
  );
}

/** Random intensity scale and shift as a transform (masks untouched). */
export function RandomIntensity(options: RandomIntensityOptions = {}): Transform<IntensityParams> {
  return make(
    'RandomIntensity',
    { ...options },
    true,
    (rng) => sampleIntensity(needRng(rng, 'RandomIntensity'), options),
    (v, p, role) => {
      if (role === 'mask') return v;
      const data = new Float32Array(v.data.length);
      for (let n = 0; n < data.length; n++) data[n] = v.data[n] * (1 + p.factor) + p.offset;
      return { ...v, data };
    },
  );
}

/** Random gamma as a transform (masks untouched). */
export function RandomGamma(options: RandomGammaOptions = {}): Transform<number | undefined> {
  return make(
    'RandomGamma',
    { ...options },
    true,
    (rng) => sampleGamma(needRng(rng, 'RandomGamma'), options),
    (v, gamma, role) => (role === 'mask' || gamma === undefined ? v : adjustGamma(v, gamma)),
  );
}

/** Random flips as a transform (default: axis i with p 0.5). */
export function RandomFlip(options: { axes?: number[]; probability?: number } = {}): Transform<number[]> {
  return make(
    'RandomFlip',
    { ...options },
    true,
    (rng) => sampleFlip(needRng(rng, 'RandomFlip'), options.axes ?? [0], options.probability ?? 0.5),
    (v, axes) => flip(v, axes),
  );
}

/** Which record keys hold images and which hold masks. */
export interface KeySpec {
  /** Default `['image']`. */
  keys?: string[];
  /** Default `['mask']` (missing keys are skipped). */
  maskKeys?: string[];
}

/** A transform over records: parameters drawn once from the first image key, applied to every key. */
export interface RecordTransform {
  /** Name of the wrapped transform. */
  readonly name: string;
  /** The wrapped transform's config plus the keys it applies to. */
  readonly config: Record<string, unknown>;
  (record: VolumeRecord, rng?: Rng): VolumeRecord;
}

/** The keyed (dictionary) form of a transform: `{ image, mask, … } → { image′, mask′, … }`. */
export function keyed<P>(transform: Transform<P>, spec: KeySpec = {}): RecordTransform {
  const keys = spec.keys ?? ['image'];
  const maskKeys = spec.maskKeys ?? ['mask'];
  const run = (record: VolumeRecord, rng?: Rng): VolumeRecord => {
    const reference = record[keys[0]] as Volume | undefined;
    if (!reference) throw new TransformError(transform.name, keys[0], 'record has no such volume');
    const params = transform.sample(rng, reference, record);
    const out: VolumeRecord = { ...record };
    for (const k of keys) if (record[k]) out[k] = transform.apply(record[k] as Volume, params, 'image');
    for (const k of maskKeys) if (record[k]) out[k] = transform.apply(record[k] as Volume, params, 'mask');
    return out;
  };
  Object.defineProperty(run, 'name', { value: transform.name });
  return Object.assign(run, { config: { ...transform.config, keys, maskKeys } }) as RecordTransform;
}

/**
 * Chains transforms. `run(volume, seed)` transforms one image; `run(record, seed)` a keyed record (masks
 * follow images). Randomness comes from `seed` (a number or an {@link Rng}); the same seed gives the same output.
 */
export class Compose {
  constructor(
    /** The steps, applied in order. */
    readonly transforms: Transform[],
    /** Which record keys are images and which are masks (for records). */
    readonly keys: KeySpec = {},
  ) {}

  /** The chain's configuration: what a cache key must cover. */
  get config(): {
    /** Step name. */
    name: string;
    /** Step configuration. */
    config: Record<string, unknown>;
  }[] {
    return this.transforms.map((t) => ({ name: t.name, config: t.config }));
  }

  /** True when any step is random. */
  get random(): boolean {
    return this.transforms.some((t) => t.random);
  }

  /** Applies the chain to a volume (as an image) or to a record. */
  run<T extends Volume | VolumeRecord>(input: T, seed?: number | Rng): T {
    const rng = seed === undefined ? undefined : typeof seed === 'number' ? new Rng(seed) : seed;
    if (isVolume(input)) {
      let v: Volume = input;
      for (const t of this.transforms) v = t.apply(v, t.sample(rng, v, {}), 'image');
      return v as T;
    }
    let record: VolumeRecord = input;
    for (const t of this.transforms) record = keyed(t, this.keys)(record, rng);
    return record as T;
  }
}

function isVolume(x: unknown): x is Volume {
  const v = x as Volume;
  return typeof v === 'object' && v !== null && Array.isArray(v.shape) && ArrayBuffer.isView(v.data);
}
