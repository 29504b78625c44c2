/**
 * Spatial transforms that keep the world geometry true: the affine is updated with every crop, flip, permutation,
 * resample and resize, so a voxel's world position is the same before and after.
 */
import type { Rng } from 'renal-core';
import { allocate, datatypeOf } from '../datatypes.js';
import { TransformError } from '../errors.js';
import {
  invertAffine,
  matmul4,
  type Matrix4,
  type Vec3,
  type Volume,
  type VoxelArray,
  applyAffine,
} from '../volume.js';
import { type Interpolation, sampleSeparable } from './interpolate.js';

function outputArray(input: VoxelArray, mode: Interpolation, count: number): VoxelArray {
  return mode === 'nearest' ? allocate(datatypeOf(input), count) : new Float32Array(count);
}

function withGeometry(v: Volume, data: VoxelArray, shape: Vec3, spacing: Vec3, affine: Matrix4): Volume {
  const out: Volume = { data, shape, spacing, affine, datatype: v.datatype };
  if (v.source !== undefined) out.source = v.source;
  return out;
}

/** For each voxel axis: the world axis (0 R, 1 A, 2 S) it runs closest to, and whether it runs backwards. */
export function axisCodes(affine: Matrix4): {
  /** World axis of each voxel axis. */
  world: Vec3;
  /** Whether each voxel axis runs towards L, P or I. */
  negative: [boolean, boolean, boolean];
} {
  const world: Vec3 = [-1, -1, -1];
  const negative: [boolean, boolean, boolean] = [false, false, false];
  const usedRows = new Set<number>();
  const usedCols = new Set<number>();
  // Greedy on the largest remaining |entry|, as nibabel's io_orientation does after normalising columns.
  const norms = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c]) || 1);
  for (let step = 0; step < 3; step++) {
    let best = -1;
    let br = 0;
    let bc = 0;
    for (let r = 0; r < 3; r++) {
      if (usedRows.has(r)) continue;
      for (let c = 0; c < 3; c++) {
        if (usedCols.has(c)) continue;
        const v = Math.abs(affine[r][c]) / norms[c];
        if (v > best) [best, br, bc] = [v, r, c];
      }
    }
    usedRows.add(br);
    usedCols.add(bc);
    world[bc] = br;
    negative[bc] = affine[br][bc] < 0;
  }
  return { world, negative };
}

/**
 * Reorders and flips axes: output axis `w` takes input axis `from[w]`, reversed where `flip[w]`. Exact (no
 * interpolation); the affine follows.
 */
export function permuteAxes(v: Volume, from: Vec3, flip: readonly boolean[]): Volume {
  const shape: Vec3 = [v.shape[from[0]], v.shape[from[1]], v.shape[from[2]]];
  const inStride = [1, v.shape[0], v.shape[0] * v.shape[1]];
  const offsets = [0, 1, 2].map((w) => {
    const a = from[w];
    const n = shape[w];
    const o = new Float64Array(n);
    for (let t = 0; t < n; t++) o[t] = (flip[w] ? n - 1 - t : t) * inStride[a];
    return o;
  });
  const data = allocate(datatypeOf(v.data), v.data.length);
  let at = 0;
  for (let k = 0; k < shape[2]; k++) {
    for (let j = 0; j < shape[1]; j++) {
      const base = offsets[2][k] + offsets[1][j];
      for (let i = 0; i < shape[0]; i++) data[at++] = v.data[base + offsets[0][i]];
    }
  }
  // old index a = flip ? n−1−new[w] : new[w]  →  affine' = affine · T
  const T: Matrix4 = [
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, 0, 1],
  ];
  for (let w = 0; w < 3; w++) {
    const a = from[w];
    T[a][w] = flip[w] ? -1 : 1;
    T[a][3] = flip[w] ? shape[w] - 1 : 0;
  }
  const spacing: Vec3 = [v.spacing[from[0]], v.spacing[from[1]], v.spacing[from[2]]];
  return withGeometry(v, data, shape, spacing, matmul4(v.affine, T));
}

/** Reorders and flips voxel axes so i, j, k run towards R, A, S (nibabel's `as_closest_canonical`). */
export function orientToRAS(v: Volume): Volume {
  const { world, negative } = axisCodes(v.affine);
  const from: Vec3 = [0, 0, 0];
  const flip = [false, false, false];
  for (let a = 0; a < 3; a++) {
    from[world[a]] = a;
    flip[world[a]] = negative[a];
  }
  if (from[0] === 0 && from[1] === 1 && from[2] === 2 && !flip.some(Boolean)) return v;
  return permuteAxes(v, from, flip);
}

/** Flips the given voxel axes (0 i, 1 j, 2 k), keeping world positions (the affine is flipped too). */
export function flip(v: Volume, axes: readonly number[]): Volume {
  if (axes.length === 0) return v;
  return permuteAxes(
    v,
    [0, 1, 2],
    [0, 1, 2].map((a) => axes.includes(a)),
  );
}

function checkPositive(values: readonly number[], what: string, source: string): void {
  if (values.length !== 3 || values.some((x) => !(x > 0) || !Number.isFinite(x))) {
    throw new TransformError(
      source,
      what,
      `needs three positive finite numbers, got ${JSON.stringify(values)}`,
    );
  }
}

/**
 * Resamples to a new voxel spacing (mm): trilinear for images, nearest for masks. Output voxel o samples input
 * coordinate o·s′/s (the first voxel stays put); the shape is round(n·s/s′). Images come out as float32.
 */
export function resampleToSpacing(
  v: Volume,
  spacing: readonly number[],
  mode: Interpolation = 'linear',
): Volume {
  checkPositive(spacing, 'spacing', v.source ?? 'volume');
  const shape = [0, 1, 2].map((a) =>
    Math.max(1, Math.round((v.shape[a] * v.spacing[a]) / spacing[a])),
  ) as Vec3;
  const ratio = [0, 1, 2].map((a) => spacing[a] / v.spacing[a]);
  const coords = [0, 1, 2].map((a) => Float64Array.from({ length: shape[a] }, (_, o) => o * ratio[a])) as [
    Float64Array,
    Float64Array,
    Float64Array,
  ];
  const data = outputArray(v.data, mode, shape[0] * shape[1] * shape[2]);
  sampleSeparable(v.data, v.shape, coords, mode, data);
  const scale: Matrix4 = [
    [ratio[0], 0, 0, 0],
    [0, ratio[1], 0, 0],
    [0, 0, ratio[2], 0],
    [0, 0, 0, 1],
  ];
  return withGeometry(v, data, shape, [spacing[0], spacing[1], spacing[2]], matmul4(v.affine, scale));
}

/**
 * Resizes to a shape (i, j, k) with half-voxel-centred sampling (output o samples (o + ½)·n/n′ − ½, edges
 * clamped — scipy's `zoom(grid_mode=True, mode='nearest')`): trilinear for images, nearest for masks.
 */
export function resize(v: Volume, shape: readonly number[], mode: Interpolation = 'linear'): Volume {
  checkPositive(shape, 'shape', v.source ?? 'volume');
  const target = shape.map(Math.round) as Vec3;
  const ratio = [0, 1, 2].map((a) => v.shape[a] / target[a]);
  const coords = [0, 1, 2].map((a) =>
    Float64Array.from({ length: target[a] }, (_, o) => (o + 0.5) * ratio[a] - 0.5),
  ) as [Float64Array, Float64Array, Float64Array];
  const data = outputArray(v.data, mode, target[0] * target[1] * target[2]);
  sampleSeparable(v.data, v.shape, coords, mode, data);
  const T: Matrix4 = [
    [ratio[0], 0, 0, 0.5 * ratio[0] - 0.5],
    [0, ratio[1], 0, 0.5 * ratio[1] - 0.5],
    [0, 0, ratio[2], 0.5 * ratio[2] - 0.5],
    [0, 0, 0, 1],
  ];
  const spacing = [0, 1, 2].map((a) => v.spacing[a] * ratio[a]) as Vec3;
  return withGeometry(v, data, target, spacing, matmul4(v.affine, T));
}

/**
 * The box of `size` voxels starting at voxel `start` (may reach outside the volume: those voxels get
 * `padValue`). Exact copy, no interpolation.
 */
export function cropBox(v: Volume, start: readonly number[], size: readonly number[], padValue = 0): Volume {
  checkPositive(size, 'crop size', v.source ?? 'volume');
  const [sx, sy, sz] = size.map(Math.round);
  const [ox, oy, oz] = start.map(Math.round);
  const [nx, ny, nz] = v.shape;
  const data = allocate(datatypeOf(v.data), sx * sy * sz);
  if (padValue !== 0) data.fill(padValue);
  const i0 = Math.max(0, -ox);
  const i1 = Math.min(sx, nx - ox);
  for (let k = 0; k < sz; k++) {
    const z = oz + k;
    if (z < 0 || z >= nz) continue;
    for (let j = 0; j < sy; j++) {
      const y = oy + j;
      if (y < 0 || y >= ny || i1 <= i0) continue;
      const src = ox + nx * (y + ny * z);
      const dst = sx * (j + sy * k);
      data.set(v.data.subarray(src + i0, src + i1), dst + i0);
    }
  }
  const shift: Matrix4 = [
    [1, 0, 0, ox],
    [0, 1, 0, oy],
    [0, 0, 1, oz],
    [0, 0, 0, 1],
  ];
  return withGeometry(v, data, [sx, sy, sz], [...v.spacing] as Vec3, matmul4(v.affine, shift));
}

/** Options of {@link cropAroundPoint}. */
export interface CropAroundOptions {
  /** The point is in world millimetres (RAS) rather than voxel indices. */
  world?: boolean;
  /** Value outside the volume (default −1000, air in HU). */
  padValue?: number;
}

/**
 * Crops a box of `sizeMm` millimetres along the world axes R, A, S (each mapped to the voxel axis that runs
 * closest to it) centred on a voxel (default) or world point; padding with `padValue` (−1000 HU) outside.
 */
export function cropAroundPoint(
  v: Volume,
  center: readonly number[],
  sizeMm: readonly number[],
  options: CropAroundOptions = {},
): Volume {
  checkPositive(sizeMm, 'box size (mm)', v.source ?? 'volume');
  if (center.length !== 3 || center.some((x) => !Number.isFinite(x))) {
    throw new TransformError(
      v.source ?? 'volume',
      'center',
      `needs three finite numbers, got ${JSON.stringify(center)}`,
    );
  }
  const c = options.world ? applyAffine(invertAffine(v.affine), center) : center;
  const { world } = axisCodes(v.affine);
  const size = [0, 1, 2].map((a) => Math.max(1, Math.round(sizeMm[world[a]] / v.spacing[a])));
  const start = [0, 1, 2].map((a) => Math.round(c[a] - (size[a] - 1) / 2));
  return cropBox(v, start, size, options.padValue ?? -1000);
}

/** The central box of `size` voxels (padding with `padValue` where the volume is smaller). */
export function centerCrop(v: Volume, size: readonly number[], padValue = 0): Volume {
  const start = [0, 1, 2].map((a) => Math.floor((v.shape[a] - size[a]) / 2));
  return cropBox(v, start, size, padValue);
}

/** A box of `size` voxels at a random position inside the volume (padded where the volume is smaller). */
export function randomCrop(v: Volume, size: readonly number[], rng: Rng, padValue = 0): Volume {
  return cropBox(v, randomCropStart(v.shape, size, rng), size, padValue);
}

/** The start corner {@link randomCrop} draws (exposed so a mask can share it). */
export function randomCropStart(shape: readonly number[], size: readonly number[], rng: Rng): number[] {
  return [0, 1, 2].map((a) => {
    const room = shape[a] - Math.round(size[a]);
    return room > 0 ? rng.int(room + 1) : Math.floor(room / 2);
  });
}
