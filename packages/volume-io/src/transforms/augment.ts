/**
 * Random spatial augmentation: affine warps (rotation, scale, translation about the volume centre) and flips.
 * Warps move the content on a fixed grid, so the affine is left as it was.
 */
import type { Rng } from 'renal-core';
import { allocate, datatypeOf } from '../datatypes.js';
import type { Vec3, Volume } from '../volume.js';
import { type Interpolation, samplePoint } from './interpolate.js';
import { flip } from './spatial.js';

/** Rotation (radians about i, j, k), scale per axis and translation (voxels) of one warp. */
export interface AffineParams {
  /** Rotation in radians about i, j, k. */
  rotate: Vec3;
  /** Scale factor per axis (1 = unchanged). */
  scale: Vec3;
  /** Translation in voxels per axis. */
  translate: Vec3;
}

/** Ranges of {@link randomAffine}; defaults are the paper's (rotate ±10° in-plane, scale ±10 %, shift 10 voxels in-plane). */
export interface RandomAffineOptions {
  /** Maximum rotation in degrees about i, j, k (default [0, 0, 10]: in the axial plane). */
  rotateDeg?: Vec3;
  /** Maximum relative scale change per axis (default [0.1, 0.1, 0.1]). */
  scale?: Vec3;
  /** Maximum translation in voxels per axis (default [10, 10, 0]). */
  translate?: Vec3;
}

/** Draws warp parameters. */
export function sampleAffine(rng: Rng, options: RandomAffineOptions = {}): AffineParams {
  const rot = options.rotateDeg ?? [0, 0, 10];
  const sc = options.scale ?? [0.1, 0.1, 0.1];
  const tr = options.translate ?? [10, 10, 0];
  const draw = (m: number) => (m > 0 ? rng.uniformIn(-m, m) : 0);
  return {
    rotate: rot.map((d) => (draw(d) * Math.PI) / 180) as Vec3,
    scale: sc.map((s) => 1 + draw(s)) as Vec3,
    translate: tr.map(draw) as Vec3,
  };
}

function rotationMatrix([a, b, c]: Vec3): number[][] {
  const [ca, sa, cb, sb, cc, sc] = [
    Math.cos(a),
    Math.sin(a),
    Math.cos(b),
    Math.sin(b),
    Math.cos(c),
    Math.sin(c),
  ];
  const rx = [
    [1, 0, 0],
    [0, ca, -sa],
    [0, sa, ca],
  ];
  const ry = [
    [cb, 0, sb],
    [0, 1, 0],
    [-sb, 0, cb],
  ];
  const rz = [
    [cc, -sc, 0],
    [sc, cc, 0],
    [0, 0, 1],
  ];
  const mul = (p: number[][], q: number[][]) =>
    p.map((row) => [0, 1, 2].map((j) => row.reduce((s, x, k) => s + x * q[k][j], 0)));
  return mul(rz, mul(ry, rx));
}

/**
 * Warps a volume: output voxel y shows input voxel x = c + Rᵀ S⁻¹ (y − c − t) (c the centre). Trilinear for
 * images, nearest for masks; `padValue` where x falls outside.
 */
export function warpAffine(
  v: Volume,
  params: AffineParams,
  mode: Interpolation = 'linear',
  padValue = 0,
): Volume {
  const R = rotationMatrix(params.rotate);
  // M = Rᵀ S⁻¹ maps output offsets to input offsets.
  const M = [0, 1, 2].map((r) => [0, 1, 2].map((c) => R[c][r] / params.scale[c]));
  const [nx, ny, nz] = v.shape;
  const centre = [(nx - 1) / 2, (ny - 1) / 2, (nz - 1) / 2];
  const data =
    mode === 'nearest' ? allocate(datatypeOf(v.data), v.data.length) : new Float32Array(v.data.length);
  let at = 0;
  for (let k = 0; k < nz; k++) {
    const dz = k - centre[2] - params.translate[2];
    for (let j = 0; j < ny; j++) {
      const dy = j - centre[1] - params.translate[1];
      for (let i = 0; i < nx; i++, at++) {
        const dx = i - centre[0] - params.translate[0];
        const x = centre[0] + M[0][0] * dx + M[0][1] * dy + M[0][2] * dz;
        const y = centre[1] + M[1][0] * dx + M[1][1] * dy + M[1][2] * dz;
        const z = centre[2] + M[2][0] * dx + M[2][1] * dy + M[2][2] * dz;
        data[at] = samplePoint(v.data, v.shape, x, y, z, mode, padValue);
      }
    }
  }
  return { ...v, data };
}

/** A random warp (paper defaults; see {@link RandomAffineOptions}). */
export function randomAffine(v: Volume, rng: Rng, options: RandomAffineOptions = {}, padValue = 0): Volume {
  return warpAffine(v, sampleAffine(rng, options), 'linear', padValue);
}

/** Draws which axes to flip, each with probability `probability`. */
export function sampleFlip(rng: Rng, axes: readonly number[] = [0], probability = 0.5): number[] {
  return axes.filter(() => rng.bernoulli(probability));
}

/** Flips each of `axes` with probability `probability` (default: axis i, p 0.5 — left/right). */
export function randomFlip(v: Volume, rng: Rng, axes: readonly number[] = [0], probability = 0.5): Volume {
  return flip(v, sampleFlip(rng, axes, probability));
}
