/**
 * NIfTI geometry, as nibabel computes it: the affine from sform when `sform_code` is set, else from the qform
 * quaternion, else from pixdim alone (centred, x flipped); and the qform parameters that encode an affine.
 */
import { NiftiError } from '../errors.js';
import type { Matrix4, Vec3 } from '../volume.js';
import type { NiftiHeader } from './header.js';

/** nibabel's tolerance for |b,c,d| > 1 in stored (float32) quaternions. */
const QUATERNION_THRESHOLD = -3 * 1.1920928955078125e-7;

/** The voxel → RAS+ affine a header describes (nibabel's `get_best_affine`). */
export function headerAffine(h: NiftiHeader, source: string): Matrix4 {
  if (h.sformCode !== 0) return sformAffine(h, source);
  if (h.qformCode !== 0) return qformAffine(h, source);
  return baseAffine(h);
}

function sformAffine(h: NiftiHeader, source: string): Matrix4 {
  const rows = h.srow.map((r) => [...r]);
  if (rows.flat().some((x) => !Number.isFinite(x))) {
    throw new NiftiError(source, 'srow_x/y/z', 'sform holds NaN or Inf');
  }
  return [...rows, [0, 0, 0, 1]];
}

/** Unit quaternion (w, x, y, z) from its vector part, w ≥ 0 (nibabel's `fillpositive`). */
function fillPositive(bcd: readonly number[], source: string): [number, number, number, number] {
  const [b, c, d] = bcd;
  const w2 = 1 - (b * b + c * c + d * d);
  if (!(w2 >= QUATERNION_THRESHOLD)) {
    throw new NiftiError(source, 'quatern_b/c/d', 'not a unit quaternion (|b,c,d| > 1)');
  }
  return [w2 < 0 ? 0 : Math.sqrt(w2), b, c, d];
}

/** Rotation matrix of a quaternion (normalised on the fly, as nibabel's `quat2mat`). */
function quaternionToMatrix([w, x, y, z]: readonly number[]): number[][] {
  const n = w * w + x * x + y * y + z * z;
  if (n < 2.220446049250313e-16) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / n;
  const [X, Y, Z] = [x * s, y * s, z * s];
  const [wX, wY, wZ] = [w * X, w * Y, w * Z];
  const [xX, xY, xZ] = [x * X, x * Y, x * Z];
  const [yY, yZ, zZ] = [y * Y, y * Z, z * Z];
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

function qformAffine(h: NiftiHeader, source: string): Matrix4 {
  const R = quaternionToMatrix(fillPositive(h.quatern, source));
  const vox = [h.pixdim[1], h.pixdim[2], h.pixdim[3]];
  if (vox.some((x) => x < 0))
    throw new NiftiError(source, 'pixdim[1..3]', 'negative voxel size in a qform image');
  const qfac = h.pixdim[0];
  // nibabel refuses other qfac values; FSL and ITK read them as 1, which is what we do.
  vox[2] *= qfac === -1 ? -1 : 1;
  const out: Matrix4 = [0, 1, 2].map((r) => [
    R[r][0] * vox[0],
    R[r][1] * vox[1],
    R[r][2] * vox[2],
    h.qoffset[r],
  ]);
  out.push([0, 0, 0, 1]);
  if (out.flat().some((x) => !Number.isFinite(x))) throw new NiftiError(source, 'qform', 'holds NaN or Inf');
  return out;
}

/** nibabel's `get_base_affine`: voxel sizes on the diagonal, x flipped, origin at the volume centre. */
function baseAffine(h: NiftiHeader): Matrix4 {
  const ndim = h.dim[0];
  const shape = [1, 2, 3].map((n) => (n <= ndim ? h.dim[n] : 1));
  const zooms = [1, 2, 3].map((n) => (n <= ndim ? h.pixdim[n] : 1));
  zooms[0] *= -1;
  const out: Matrix4 = [0, 1, 2].map((r) => {
    const row = [0, 0, 0, -((shape[r] - 1) / 2) * zooms[r]];
    row[r] = zooms[r];
    return row;
  });
  out.push([0, 0, 0, 1]);
  return out;
}

/** The qform parameters that encode an affine's rotation, zooms and offset (shears dropped, as nibabel does). */
export interface QformParams {
  quatern: Vec3;
  qoffset: Vec3;
  zooms: Vec3;
  qfac: 1 | -1;
}

/** qform parameters of an affine (nibabel's `set_qform`: polar decomposition, then the quaternion). */
export function affineToQform(affine: Matrix4): QformParams {
  const zooms: Vec3 = [0, 1, 2].map((c) => Math.hypot(affine[0][c], affine[1][c], affine[2][c])) as Vec3;
  const R = [0, 1, 2].map((r) => [0, 1, 2].map((c) => affine[r][c] / (zooms[c] || 1)));
  const qfac: 1 | -1 = det3(R) > 0 ? 1 : -1;
  if (qfac < 0) for (let r = 0; r < 3; r++) R[r][2] *= -1;
  const q = matrixToQuaternion(orthogonalise(R));
  const sign = q[0] < 0 ? -1 : 1;
  return {
    quatern: [q[1] * sign, q[2] * sign, q[3] * sign],
    qoffset: [affine[0][3], affine[1][3], affine[2][3]],
    zooms,
    qfac,
  };
}

function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Closest orthogonal matrix (polar factor) by Newton iteration X ← (X + X⁻ᵀ)/2; exact for rotations. */
function orthogonalise(R: number[][]): number[][] {
  let X = R.map((r) => [...r]);
  for (let iter = 0; iter < 30; iter++) {
    const d = det3(X);
    if (Math.abs(d) < 1e-12) break;
    // X⁻ᵀ = cofactor(X) / det
    const cof = [
      [
        X[1][1] * X[2][2] - X[1][2] * X[2][1],
        X[1][2] * X[2][0] - X[1][0] * X[2][2],
        X[1][0] * X[2][1] - X[1][1] * X[2][0],
      ],
      [
        X[0][2] * X[2][1] - X[0][1] * X[2][2],
        X[0][0] * X[2][2] - X[0][2] * X[2][0],
        X[0][1] * X[2][0] - X[0][0] * X[2][1],
      ],
      [
        X[0][1] * X[1][2] - X[0][2] * X[1][1],
        X[0][2] * X[1][0] - X[0][0] * X[1][2],
        X[0][0] * X[1][1] - X[0][1] * X[1][0],
      ],
    ];
    const next = X.map((row, r) => row.map((x, c) => (x + cof[r][c] / d) / 2));
    const change = next.flat().reduce((s, x, n) => s + Math.abs(x - X.flat()[n]), 0);
    X = next;
    if (change < 1e-15) break;
  }
  return X;
}

/** Quaternion (w, x, y, z) of a rotation matrix (Shepperd's method: pivot on the largest diagonal term). */
function matrixToQuaternion(m: number[][]): [number, number, number, number] {
  const trace = m[0][0] + m[1][1] + m[2][2];
  if (trace > 0) {
    const s = 2 * Math.sqrt(1 + trace);
    return [s / 4, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s];
  }
  if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
    const s = 2 * Math.sqrt(1 + m[0][0] - m[1][1] - m[2][2]);
    return [(m[2][1] - m[1][2]) / s, s / 4, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s];
  }
  if (m[1][1] > m[2][2]) {
    const s = 2 * Math.sqrt(1 + m[1][1] - m[0][0] - m[2][2]);
    return [(m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, s / 4, (m[1][2] + m[2][1]) / s];
  }
  const s = 2 * Math.sqrt(1 + m[2][2] - m[0][0] - m[1][1]);
  return [(m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, s / 4];
}
