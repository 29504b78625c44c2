/** The element types of the safetensors format that renal-core reads and writes. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/**
 * The typed array holding a tensor's elements. F16 and BF16 keep their raw 16-bit patterns in a
 * `Uint16Array` (convert with {@link toFloat32}); BOOL is a `Uint8Array` of 0/1.
 */
export type TensorData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** A tensor as stored in a safetensors file: element type, shape and elements (row-major). */
export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** True for a dtype name renal-core supports. */
export function isSafetensorsDtype(name: unknown): name is SafetensorsDtype {
  return typeof name === 'string' && Object.hasOwn(DTYPE_BYTES, name);
}

/** Product of a shape's dimensions (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * A typed array of the dtype over little-endian bytes. Views the bytes when they own their whole buffer
 * (so alignment is guaranteed); otherwise copies them into a fresh, aligned buffer.
 */
export function typedArrayFromBytes(dtype: SafetensorsDtype, bytes: Uint8Array): TensorData {
  const ownsBuffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const copy = ownsBuffer ? bytes : bytes.slice();
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F64':
      return new Float64Array(copy.buffer, 0, n);
    case 'F32':
      return new Float32Array(copy.buffer, 0, n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(copy.buffer, 0, n);
    case 'I64':
      return new BigInt64Array(copy.buffer, 0, n);
    case 'I32':
      return new Int32Array(copy.buffer, 0, n);
    case 'I16':
      return new Int16Array(copy.buffer, 0, n);
    case 'I8':
      return new Int8Array(copy.buffer, 0, n);
    case 'U8':
    case 'BOOL':
      return copy;
  }
}

/** Converts a stored tensor's elements to float32 (F16/BF16 decoded, integers and booleans cast). */
export function toFloat32(tensor: RawTensor): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === 'F32') return data as Float32Array;
  const out = new Float32Array(data.length);
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    const src = data as Uint16Array;
    for (let i = 0; i < src.length; i++) bits[i] = src[i] << 16;
  } else if (dtype === 'F16') {
    const src = data as Uint16Array;
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]);
  } else if (dtype === 'I64') {
    const src = data as BigInt64Array;
    for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
  } else {
    out.set(data as ArrayLike<number>);
  }
  return out;
}

/** Decodes one IEEE 754 binary16 bit pattern. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Encodes a number as IEEE 754 binary16 (round to nearest even), as PyTorch's `.half()` does. */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and overflows to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** Encodes a number as bfloat16 (round to nearest even), as PyTorch's `.bfloat16()` does. */
export function floatToBfloat16(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}
