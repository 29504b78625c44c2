/**
 * Voxel datatypes shared by NIfTI and DICOM: names, byte sizes, and decoding raw bytes into typed arrays.
 */
import type { VoxelArray } from './volume.js';

/** Datatype names this package reads and writes. */
export type DatatypeName =
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'float32'
  | 'float64'
  | 'int64'
  | 'uint64';

/** NIfTI datatype codes → names (the ones this package decodes). */
export const NIFTI_CODE_TO_NAME: Record<number, DatatypeName> = {
  2: 'uint8',
  4: 'int16',
  8: 'int32',
  16: 'float32',
  64: 'float64',
  256: 'int8',
  512: 'uint16',
  768: 'uint32',
  1024: 'int64',
  1280: 'uint64',
};

/** NIfTI datatype codes this package recognises but refuses, with their names for the error. */
export const NIFTI_UNSUPPORTED: Record<number, string> = {
  1: 'binary (1-bit)',
  32: 'complex64',
  128: 'rgb24',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'rgba32',
};

/** Names → NIfTI codes. */
export const NIFTI_NAME_TO_CODE: Record<DatatypeName, number> = Object.fromEntries(
  Object.entries(NIFTI_CODE_TO_NAME).map(([code, name]) => [name, Number(code)]),
) as Record<DatatypeName, number>;

/** Bytes per voxel of each datatype. */
export const BYTES_PER_VOXEL: Record<DatatypeName, number> = {
  uint8: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
  int64: 8,
  uint64: 8,
};

/**
 * Views little-endian bytes as a typed array of the datatype (no copy when `bytes` is aligned; 64-bit integers
 * become a Float64Array, losing precision above 2^53, as numpy's float conversion does).
 */
export function viewAs(bytes: Uint8Array, datatype: DatatypeName, count: number): VoxelArray {
  const aligned = bytes.byteOffset % BYTES_PER_VOXEL[datatype] === 0;
  const src = aligned ? bytes : bytes.slice(0, count * BYTES_PER_VOXEL[datatype]);
  const { buffer, byteOffset } = src;
  switch (datatype) {
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, count);
    case 'int8':
      return new Int8Array(buffer, byteOffset, count);
    case 'int16':
      return new Int16Array(buffer, byteOffset, count);
    case 'uint16':
      return new Uint16Array(buffer, byteOffset, count);
    case 'int32':
      return new Int32Array(buffer, byteOffset, count);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, count);
    case 'float32':
      return new Float32Array(buffer, byteOffset, count);
    case 'float64':
      return new Float64Array(buffer, byteOffset, count);
    case 'int64':
      return Float64Array.from(new BigInt64Array(buffer, byteOffset, count), Number);
    case 'uint64':
      return Float64Array.from(new BigUint64Array(buffer, byteOffset, count), Number);
  }
}

/** Reverses the byte order of each `width`-byte word in place (big → little endian). */
export function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let p = 0; p + width <= bytes.length; p += width) {
    for (let a = p, b = p + width - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/** A new typed array of the given datatype and length. */
export function allocate(datatype: DatatypeName, count: number): VoxelArray {
  switch (datatype) {
    case 'uint8':
      return new Uint8Array(count);
    case 'int8':
      return new Int8Array(count);
    case 'int16':
      return new Int16Array(count);
    case 'uint16':
      return new Uint16Array(count);
    case 'int32':
      return new Int32Array(count);
    case 'uint32':
      return new Uint32Array(count);
    case 'float32':
      return new Float32Array(count);
    default:
      return new Float64Array(count);
  }
}

/** Value range of integer datatypes (for clamping when writing). */
export const INTEGER_RANGE: Partial<Record<DatatypeName, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/**
 * Converts voxel values to a datatype for writing: integers are rounded to the nearest integer and clamped to the
 * type's range (NaN becomes 0); floats are copied.
 */
export function convertForWrite(data: VoxelArray, datatype: DatatypeName): VoxelArray {
  const out = allocate(datatype, data.length);
  const range = INTEGER_RANGE[datatype];
  if (!range) {
    out.set(data);
    return out;
  }
  const [lo, hi] = range;
  for (let n = 0; n < data.length; n++) {
    const v = data[n];
    out[n] = Number.isNaN(v) ? 0 : v <= lo ? lo : v >= hi ? hi : Math.round(v);
  }
  return out;
}

/** Datatype name of a typed array. */
export function datatypeOf(data: VoxelArray): DatatypeName {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}
