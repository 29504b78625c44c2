/**
 * The `Volume`: voxels plus the geometry that places them in the patient.
 */

/** Typed arrays a volume's voxels may live in. */
export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/** A 3-vector (voxel index or millimetres). */
export type Vec3 = [number, number, number];

/** A 4×4 matrix as rows. */
export type Matrix4 = number[][];

/**
 * A 3-D image. Voxel (i, j, k) lives at `data[i + shape[0] * (j + shape[1] * k)]` — i fastest, as in NIfTI.
 * Intensities are after the file's own scaling (NIfTI `scl_slope/scl_inter`, DICOM rescale), i.e. HU for CT.
 */
export interface Volume {
  /** Voxel values, i fastest. */
  data: VoxelArray;
  /** Number of voxels along i, j, k. */
  shape: Vec3;
  /** Voxel size in millimetres along i, j, k (NIfTI `pixdim[1..3]`). */
  spacing: Vec3;
  /** 4×4 voxel (i, j, k, 1) → RAS+ world millimetres. */
  affine: Matrix4;
  /** The source file's datatype name (`'int16'`, `'float32'`, …) before scaling. */
  datatype: string;
  /** Where the volume came from (file path, folder, or a description). */
  source?: string;
  /** Number of NaN or ±Inf voxels found while reading (present only when non-zero). */
  nonFiniteCount?: number;
}

/** Number of voxels in a shape. */
export function voxelCount(shape: readonly number[]): number {
  return shape[0] * shape[1] * shape[2];
}

/** Linear index of voxel (i, j, k) in a volume of the given shape. */
export function linearIndex(shape: Vec3, i: number, j: number, k: number): number {
  return i + shape[0] * (j + shape[1] * k);
}

/** The 4×4 identity. */
export function identity4(): Matrix4 {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** Applies a 4×4 affine to a 3-point. */
export function applyAffine(affine: Matrix4, p: readonly number[]): Vec3 {
  const out: Vec3 = [0, 0, 0];
  for (let r = 0; r < 3; r++) {
    out[r] = affine[r][0] * p[0] + affine[r][1] * p[1] + affine[r][2] * p[2] + affine[r][3];
  }
  return out;
}

/** Product of two 4×4 matrices. */
export function matmul4(a: Matrix4, b: Matrix4): Matrix4 {
  const out = identity4();
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r][k] * b[k][c];
      out[r][c] = s;
    }
  }
  return out;
}

/** Inverse of a 4×4 affine (last row 0 0 0 1). Throws a `RangeError` when singular. */
export function invertAffine(a: Matrix4): Matrix4 {
  const [m00, m01, m02] = a[0];
  const [m10, m11, m12] = a[1];
  const [m20, m21, m22] = a[2];
  const c00 = m11 * m22 - m12 * m21;
  const c01 = m12 * m20 - m10 * m22;
  const c02 = m10 * m21 - m11 * m20;
  const det = m00 * c00 + m01 * c01 + m02 * c02;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new RangeError('affine is singular');
  const inv = [
    [c00, m02 * m21 - m01 * m22, m01 * m12 - m02 * m11],
    [c01, m00 * m22 - m02 * m20, m02 * m10 - m00 * m12],
    [c02, m01 * m20 - m00 * m21, m00 * m11 - m01 * m10],
  ].map((row) => row.map((v) => v / det));
  const t = [a[0][3], a[1][3], a[2][3]];
  const out = identity4();
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[r][c] = inv[r][c];
    out[r][3] = -(inv[r][0] * t[0] + inv[r][1] * t[1] + inv[r][2] * t[2]);
  }
  return out;
}

/** Length of each of the first three columns of an affine: the voxel sizes it implies. */
export function affineZooms(affine: Matrix4): Vec3 {
  const z: Vec3 = [0, 0, 0];
  for (let c = 0; c < 3; c++) z[c] = Math.hypot(affine[0][c], affine[1][c], affine[2][c]);
  return z;
}

/** A copy of a volume's metadata with new data/shape/spacing/affine. */
export function withData(
  base: Volume,
  data: VoxelArray,
  shape: Vec3,
  spacing: Vec3 = base.spacing,
  affine: Matrix4 = base.affine,
): Volume {
  const out: Volume = { data, shape, spacing, affine, datatype: base.datatype };
  if (base.source !== undefined) out.source = base.source;
  return out;
}
