/**
 * Interpolation on the voxel grid. Coordinates outside the volume are clamped to the edge (scipy's
 * `mode='nearest'`) unless a pad value is given. Separable grids (resample, resize) precompute per-axis taps.
 */
import type { Vec3, VoxelArray } from '../volume.js';

/** `linear` (trilinear, for images) or `nearest` (for label masks). */
export type Interpolation = 'linear' | 'nearest';

interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
  /** 1 where the coordinate lies within half a voxel of the grid, 0 where padding applies. */
  inside: Uint8Array;
}

/**
 * Taps of one axis for input coordinates `coords` on a grid of `n` samples. With `pad`, coordinates more than
 * half a voxel outside [0, n−1] are marked outside; otherwise they are clamped.
 */
function axisTaps(coords: Float64Array, n: number, mode: Interpolation, pad: boolean): AxisTaps {
  const m = coords.length;
  const lo = new Int32Array(m);
  const hi = new Int32Array(m);
  const weight = new Float64Array(m);
  const inside = new Uint8Array(m);
  for (let o = 0; o < m; o++) {
    const x = coords[o];
    inside[o] = !pad || (x >= -0.5 && x <= n - 0.5) ? 1 : 0;
    const c = x < 0 ? 0 : Math.min(x, n - 1);
    if (mode === 'nearest') {
      lo[o] = hi[o] = Math.min(n - 1, Math.floor(c + 0.5));
    } else {
      const f = Math.min(Math.floor(c), n - 1);
      lo[o] = f;
      hi[o] = Math.min(f + 1, n - 1);
      weight[o] = c - f;
    }
  }
  return { lo, hi, weight, inside };
}

/**
 * Samples a volume on the separable grid `coords[0] × coords[1] × coords[2]` (input voxel coordinates per
 * output index along i, j, k). Writes into `out` (i fastest).
 */
export function sampleSeparable(
  data: VoxelArray,
  shape: Vec3,
  coords: [Float64Array, Float64Array, Float64Array],
  mode: Interpolation,
  out: VoxelArray,
  padValue?: number,
): void {
  const pad = padValue !== undefined;
  const [tx, ty, tz] = coords.map((c, a) => axisTaps(c, shape[a], mode, pad));
  const [nx, ny] = shape;
  const [mx, my, mz] = [coords[0].length, coords[1].length, coords[2].length];
  const plane = nx * ny;
  let at = 0;
  for (let k = 0; k < mz; k++) {
    const z0 = tz.lo[k] * plane;
    const z1 = tz.hi[k] * plane;
    const wz = tz.weight[k];
    for (let j = 0; j < my; j++) {
      const y0 = ty.lo[j] * nx;
      const y1 = ty.hi[j] * nx;
      const wy = ty.weight[j];
      const rowInside = tz.inside[k] & ty.inside[j];
      for (let i = 0; i < mx; i++, at++) {
        if (pad && !(rowInside & tx.inside[i])) {
          out[at] = padValue;
          continue;
        }
        const x0 = tx.lo[i];
        if (mode === 'nearest') {
          out[at] = data[z0 + y0 + x0];
          continue;
        }
        const x1 = tx.hi[i];
        const wx = tx.weight[i];
        const c00 = data[z0 + y0 + x0] + wx * (data[z0 + y0 + x1] - data[z0 + y0 + x0]);
        const c10 = data[z0 + y1 + x0] + wx * (data[z0 + y1 + x1] - data[z0 + y1 + x0]);
        const c01 = data[z1 + y0 + x0] + wx * (data[z1 + y0 + x1] - data[z1 + y0 + x0]);
        const c11 = data[z1 + y1 + x0] + wx * (data[z1 + y1 + x1] - data[z1 + y1 + x0]);
        const c0 = c00 + wy * (c10 - c00);
        const c1 = c01 + wy * (c11 - c01);
        out[at] = c0 + wz * (c1 - c0);
      }
    }
  }
}

/** Value at a continuous voxel coordinate (trilinear or nearest); `padValue` outside [−0.5, n−0.5]. */
export function samplePoint(
  data: VoxelArray,
  shape: Vec3,
  x: number,
  y: number,
  z: number,
  mode: Interpolation,
  padValue: number,
): number {
  const [nx, ny, nz] = shape;
  if (x < -0.5 || y < -0.5 || z < -0.5 || x > nx - 0.5 || y > ny - 0.5 || z > nz - 0.5) return padValue;
  const cx = x < 0 ? 0 : Math.min(x, nx - 1);
  const cy = y < 0 ? 0 : Math.min(y, ny - 1);
  const cz = z < 0 ? 0 : Math.min(z, nz - 1);
  if (mode === 'nearest')
    return data[Math.floor(cx + 0.5) + nx * (Math.floor(cy + 0.5) + ny * Math.floor(cz + 0.5))];
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const z0 = Math.floor(cz);
  const x1 = Math.min(x0 + 1, nx - 1);
  const y1 = Math.min(y0 + 1, ny - 1);
  const z1 = Math.min(z0 + 1, nz - 1);
  const wx = cx - x0;
  const wy = cy - y0;
  const wz = cz - z0;
  const at = (i: number, j: number, k: number) => data[i + nx * (j + ny * k)];
  const c00 = at(x0, y0, z0) + wx * (at(x1, y0, z0) - at(x0, y0, z0));
  const c10 = at(x0, y1, z0) + wx * (at(x1, y1, z0) - at(x0, y1, z0));
  const c01 = at(x0, y0, z1) + wx * (at(x1, y0, z1) - at(x0, y0, z1));
  const c11 = at(x0, y1, z1) + wx * (at(x1, y1, z1) - at(x0, y1, z1));
  const c0 = c00 + wy * (c10 - c00);
  const c1 = c01 + wy * (c11 - c01);
  return c0 + wz * (c1 - c0);
}
