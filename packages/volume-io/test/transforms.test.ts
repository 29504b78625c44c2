import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from 'renal-core';
import { describe, expect, it } from 'vitest';
import {
  CenterCrop,
  Compose,
  cropAroundPoint,
  flip,
  kidneyBase,
  kidneyPipeline,
  kidneyRegions,
  Orient,
  orientToRAS,
  preprocessKidney,
  RandomAffine,
  RandomCrop,
  RandomFlip,
  readNifti,
  resampleToSpacing,
  resize,
  TransformError,
  type Vec3,
  type Volume,
  warpAffine,
  window,
} from '../src/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'transforms');
const golden = JSON.parse(await readFile(join(FIXTURES, 'expected.json'), 'utf8'));
const SHAPE = golden.shape as Vec3;
const RANGE = Math.max(...golden.volume) - Math.min(...golden.volume);

function volumeOf(values: number[], type: 'float' | 'labels', affine?: number[][]): Volume {
  return {
    data: type === 'float' ? Float32Array.from(values) : Uint8Array.from(values),
    shape: [...SHAPE],
    spacing: [...golden.spacing] as Vec3,
    affine: affine ?? [
      [golden.spacing[0], 0, 0, 0],
      [0, golden.spacing[1], 0, 0],
      [0, 0, golden.spacing[2], 0],
      [0, 0, 0, 1],
    ],
    datatype: type === 'float' ? 'float32' : 'uint8',
  };
}
const image = volumeOf(golden.volume, 'float');
const labels = volumeOf(golden.labels, 'labels');

function maxError(actual: ArrayLike<number>, wanted: (number | null)[]): number {
  expect(actual.length).toBe(wanted.length);
  let worst = 0;
  for (let n = 0; n < wanted.length; n++) {
    const w = wanted[n];
    if (w !== null) worst = Math.max(worst, Math.abs(actual[n] - w));
  }
  return worst;
}

describe('interpolation agrees with scipy.ndimage within 1e-4 of the range', () => {
  it('resampleToSpacing: trilinear = map_coordinates(order=1), nearest = order 0', () => {
    const r = golden.resample;
    const lin = resampleToSpacing(image, r.spacing, 'linear');
    expect(lin.shape).toEqual(r.shape);
    expect(maxError(lin.data, r.linear)).toBeLessThan(1e-4 * RANGE);
    const near = resampleToSpacing(labels, r.spacing, 'nearest');
    expect(near.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(near.data)).toEqual(r.nearest);
    expect(lin.spacing).toEqual(r.spacing);
  });

  it('resize: trilinear and nearest = scipy zoom(grid_mode=True)', () => {
    const r = golden.resize;
    expect(maxError(resize(image, r.shape).data, r.linear)).toBeLessThan(1e-4 * RANGE);
    expect(Array.from(resize(labels, r.shape, 'nearest').data)).toEqual(r.nearest);
  });

  it('warpAffine = scipy affine_transform inside, pad outside', () => {
    const w = golden.warp;
    const out = warpAffine(
      image,
      { rotate: w.rotate, scale: w.scale, translate: w.translate },
      'linear',
      w.pad,
    );
    expect(maxError(out.data, w.linear)).toBeLessThan(1e-4 * RANGE);
  });
});

describe('geometry', () => {
  it("orientToRAS = nibabel's as_closest_canonical (voxels and affine)", () => {
    const o = golden.orient;
    const v = orientToRAS(volumeOf(golden.volume, 'float', o.affine));
    expect(v.shape).toEqual(o.shape);
    expect(maxError(v.data, o.data)).toBe(0);
    expect(maxError(v.affine.flat(), o.canon_affine.flat())).toBeLessThan(1e-9);
  });

  it('flips and crops keep world positions (affine follows the data)', () => {
    const f = flip(image, [0, 2]);
    const probe = (v: Volume, i: number, j: number, k: number) =>
      v.data[i + v.shape[0] * (j + v.shape[1] * k)];
    expect(probe(f, 0, 1, 0)).toBe(probe(image, SHAPE[0] - 1, 1, SHAPE[2] - 1));
    const world = (v: Volume, p: number[]) =>
      v.affine.slice(0, 3).map((r) => r[0] * p[0] + r[1] * p[1] + r[2] * p[2] + r[3]);
    expect(world(f, [0, 1, 0])).toEqual(world(image, [SHAPE[0] - 1, 1, SHAPE[2] - 1]));
    const c = cropAroundPoint(image, [1, 1, 1], [4, 4, 10], { padValue: -1000 });
    expect(c.shape).toEqual([5, 4, 4]);
    expect(c.data[0]).toBe(-1000); // voxel (−1, −1, −1) lies outside
    expect(world(c, [2, 2, 2])[0]).toBeCloseTo(world(image, [1, 1, 1])[0], 9);
  });

  it('rejects non-positive spacing and shapes with a TransformError', () => {
    expect(() => resampleToSpacing(image, [1, 0, 1])).toThrow(TransformError);
    expect(() => resize(image, [2, -1, 3])).toThrow(TransformError);
    expect(() => window(image, { level: 0, width: 0 })).toThrow(TransformError);
  });
});

describe('intensity', () => {
  it('window maps level/width to [0, 1], clipped', () => {
    const v = { ...image, data: Float32Array.from([-1000, -200, 50, 300, 2000, Number.NaN]) };
    expect(Array.from(window(v, { level: 50, width: 500 }).data)).toEqual([0, 0, 0.5, 1, 1, 0]);
    expect(Array.from(window(v, { aMin: -200, aMax: 300 }).data).slice(0, 5)).toEqual([0, 0, 0.5, 1, 1]);
  });
});

describe('keyed transforms and Compose', () => {
  it('the mask follows the image through random crops, warps and flips', () => {
    const pipeline = new Compose([
      RandomCrop({ size: [5, 5, 4] }),
      RandomAffine({ rotateDeg: [0, 0, 20] }),
      RandomFlip({ probability: 1 }),
    ]);
    // An "image" equal to its label map: after any shared transform, nearest-sampled labels must sit
    // wherever the image (trilinear) is an exact label value far from edges — check the flip/crop part exactly.
    const rec = pipeline.run({ image: volumeOf(golden.labels, 'float'), mask: labels }, 42);
    const again = pipeline.run({ image: volumeOf(golden.labels, 'float'), mask: labels }, 42);
    expect((rec.mask as Volume).shape).toEqual([5, 5, 4]);
    expect(Array.from((rec.image as Volume).data)).toEqual(Array.from((again.image as Volume).data));
    const exact = new Compose([RandomCrop({ size: [5, 5, 4] }), RandomFlip({ axes: [0, 1, 2] }), Orient()]);
    for (let seed = 0; seed < 5; seed++) {
      const r = exact.run({ image: volumeOf(golden.labels, 'float'), mask: labels }, seed);
      expect(Array.from((r.image as Volume).data)).toEqual(Array.from((r.mask as Volume).data));
    }
  });

  it('run on a bare volume, deterministic config for cache keys', () => {
    const c = new Compose([CenterCrop({ size: [3, 3, 3] })]);
    expect(c.run(image).shape).toEqual([3, 3, 3]);
    expect(c.config).toEqual([{ name: 'CenterCrop', config: { size: [3, 3, 3] } }]);
    expect(c.random).toBe(false);
  });
});

describe("the paper's kidney preprocessing", () => {
  it('matches nibabel + scipy (crop mm box, orient, resize, window, centre crop)', async () => {
    const ct = await readNifti(join(FIXTURES, 'small_ct.nii.gz'));
    const { preset, cases } = golden.pipeline;
    const mini = { name: 'mini', ...preset, window: { level: 50, width: 500 }, padValue: -1000 };
    for (const c of cases) {
      const out = preprocessKidney(ct, c.center, mini);
      expect(out.shape).toEqual(preset.crop);
      expect(maxError(out.data, c.data)).toBeLessThan(1e-4);
    }
  });

  it('kidneyPipeline (Compose) gives the same as preprocessKidney, with and without augmentation', async () => {
    const ct = await readNifti(join(FIXTURES, 'small_ct.nii.gz'));
    const mini = {
      name: 'mini',
      ...golden.pipeline.preset,
      window: { level: 50, width: 500 },
      padValue: -1000,
    };
    const center: Vec3 = [14, 12, 5];
    const evalOut = kidneyPipeline(mini).run({ image: ct, center });
    expect(Array.from((evalOut.image as Volume).data)).toEqual(
      Array.from(preprocessKidney(ct, center, mini).data),
    );
    const train = kidneyPipeline(mini, { train: true }).run({ image: ct, center }, 7);
    const direct = preprocessKidney(ct, center, mini, { augment: 7 });
    expect(Array.from((train.image as Volume).data)).toEqual(Array.from(direct.data));
    expect(kidneyBase(ct, center, mini).shape).toEqual(mini.resized);
    const other = preprocessKidney(ct, center, mini, { augment: new Rng(8) });
    expect(Array.from(other.data)).not.toEqual(Array.from(direct.data));
  });

  it('the paper and tiny presets give 128×128×32 and 64×64×16 crops', async () => {
    const ct = await readNifti(join(FIXTURES, 'small_ct.nii.gz'));
    expect(preprocessKidney(ct, [14, 12, 5], 'paper').shape).toEqual([128, 128, 32]);
    expect(preprocessKidney(ct, [14, 12, 5], 'tiny', { augment: 1, flip: true }).shape).toEqual([64, 64, 16]);
  });
});

describe('kidney centres from a KiTS segmentation', () => {
  it('matches scipy.ndimage.label + center_of_mass, sides from RAS x', async () => {
    const seg = await readNifti(join(FIXTURES, 'kits_seg.nii.gz'));
    const regions = kidneyRegions(seg);
    expect(regions.map((r) => r.side)).toEqual(['R', 'L']);
    for (const [n, want] of golden.kits.entries()) {
      const got = regions[n];
      expect(got.side).toBe(want.side);
      for (let a = 0; a < 3; a++) expect(got.center[a]).toBeCloseTo(want.center[a], 6);
      expect(got.voxels.kidney + got.voxels.tumor + got.voxels.cyst).toBe(want.voxels);
      if (want.tumor_center)
        for (let a = 0; a < 3; a++) expect(got.tumorCenter![a]).toBeCloseTo(want.tumor_center[a], 6);
      else expect(got.tumorCenter).toBeUndefined();
    }
  });

  it('an empty segmentation is a TransformError', () => {
    expect(() => kidneyRegions({ ...labels, data: new Uint8Array(labels.data.length) })).toThrow(
      TransformError,
    );
  });
});
