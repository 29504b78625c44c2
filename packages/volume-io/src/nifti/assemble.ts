/**
 * Turns a stream of (already gunzipped) NIfTI bytes into a Volume while holding only the header and the one
 * 3-D volume asked for: the voxel buffer is allocated once, after its size has been checked against the file.
 */
import { BYTES_PER_VOXEL, swapBytes, viewAs } from '../datatypes.js';
import { NiftiError, UnsupportedDataError } from '../errors.js';
import type { Vec3, Volume, VoxelArray } from '../volume.js';
import { headerAffine } from './affine.js';
import { type NiftiHeader, NIFTI2_HEADER_SIZE, parseNiftiHeader, sniffNifti } from './header.js';

/** Options of {@link readNifti} and {@link parseNifti}. */
export interface ReadNiftiOptions {
  /** Which 3-D volume of a 4-D (or higher) file to read; default 0. */
  volumeIndex?: number;
  /** Refuse volumes whose voxel bytes exceed this (default 2 GiB). Checked before allocating. */
  maxBytes?: number;
}

/** Default ceiling on one volume's bytes. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

interface Layout {
  header: NiftiHeader;
  shape: Vec3;
  volumeCount: number;
  start: number;
  byteLength: number;
}

/**
 * Receives the decompressed byte stream chunk by chunk. `sizeHint` bounds the stream's length: `exact` for
 * uncompressed files (a header needing more is refused at once), advisory for gzip (the trailer's size). When the
 * header's needs fit the bound, the voxel buffer is allocated up front; otherwise chunks are gathered as they come,
 * so a lying header can never make us allocate more than the stream really holds.
 */
export class NiftiAssembler {
  private headerBytes = new Uint8Array(0);
  private layout: Layout | undefined;
  private offset = 0;
  private target: Uint8Array | undefined;
  private decoder: ScalingDecoder | undefined;
  private parts: Uint8Array[] = [];
  private filled = 0;

  constructor(
    private readonly source: string,
    private readonly options: ReadNiftiOptions,
    private readonly sizeHint?: number,
    private readonly exact = true,
  ) {}

  /** True once every byte of the requested volume has arrived. */
  get done(): boolean {
    return this.layout !== undefined && this.filled === this.layout.byteLength;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): void {
    if (this.done) return;
    if (!this.layout) {
      chunk = this.takeHeader(chunk);
      if (!this.layout) return;
    }
    const { start, byteLength } = this.layout;
    const chunkStart = this.offset;
    this.offset += chunk.length;
    const from = Math.max(start, chunkStart);
    const to = Math.min(start + byteLength, this.offset);
    if (to <= from) return;
    const piece = chunk.subarray(from - chunkStart, to - chunkStart);
    if (this.decoder) this.decoder.write(piece);
    else if (this.target) this.target.set(piece, from - start);
    else this.parts.push(piece.slice());
    this.filled += piece.length;
  }

  /** Returns the volume; throws a typed error when the stream ended early. */
  finish(): Volume {
    if (!this.layout) {
      if (this.headerBytes.length >= 4) sniffNifti(this.headerBytes, this.source);
      throw new NiftiError(
        this.source,
        'header',
        `truncated: file ends after ${this.headerBytes.length} bytes`,
      );
    }
    const { header, start, byteLength } = this.layout;
    if (this.filled < byteLength) {
      throw new NiftiError(
        this.source,
        'vox_offset/dim',
        `truncated: header needs bytes ${start}–${start + byteLength}, file has ${start + this.filled}`,
      );
    }
    if (this.decoder) return toVolume(this.layout, this.decoder.output, header, this.source);
    const bytes = this.target ?? concat(this.parts, byteLength);
    this.parts = [];
    const count = this.layout.shape[0] * this.layout.shape[1] * this.layout.shape[2];
    if (!header.littleEndian) swapBytes(bytes, BYTES_PER_VOXEL[header.datatype]);
    const raw = viewAs(bytes, header.datatype, count);
    const scaling = scalingOf(header, this.source);
    return toVolume(this.layout, scaling ? scale(raw, scaling, header) : raw, header, this.source);
  }

  private takeHeader(chunk: Uint8Array): Uint8Array {
    const need = this.headerBytes.length < 4 ? 4 : this.headerSize();
    const take = Math.min(need - this.headerBytes.length, chunk.length);
    const merged = new Uint8Array(this.headerBytes.length + take);
    merged.set(this.headerBytes);
    merged.set(chunk.subarray(0, take), this.headerBytes.length);
    this.headerBytes = merged;
    this.offset += take;
    const rest = chunk.subarray(take);
    if (this.headerBytes.length === 4 && need === 4) return this.takeHeader(rest);
    if (this.headerBytes.length < need) return rest;
    this.layout = planLayout(parseNiftiHeader(this.headerBytes, this.source), this.options, this.source);
    this.allocate();
    return rest;
  }

  private headerSize(): number {
    return sniffNifti(this.headerBytes, this.source).version === 1 ? 348 : NIFTI2_HEADER_SIZE;
  }

  private allocate(): void {
    const { start, byteLength } = this.layout!;
    const end = start + byteLength;
    if (this.sizeHint === undefined) return;
    if (end > this.sizeHint && !this.exact) return; // e.g. multi-member gzip: the trailer counts the last member only
    if (end > this.sizeHint) {
      throw new NiftiError(
        this.source,
        'dim',
        `header needs ${end} bytes (vox_offset ${start} + ${byteLength} voxel bytes), file holds at most ${this.sizeHint}`,
      );
    }
    const { header, shape } = this.layout!;
    const scaling = scalingOf(header, this.source);
    // Scaled data is converted chunk by chunk, so the stored-type copy of the volume never exists whole.
    if (scaling) this.decoder = new ScalingDecoder(header, shape[0] * shape[1] * shape[2], scaling);
    else this.target = new Uint8Array(byteLength);
  }
}

interface Scaling {
  slope: number;
  inter: number;
}

/** Converts a stream of stored voxels to scaled floats as the bytes arrive (any chunking, either byte order). */
class ScalingDecoder {
  readonly output: Float32Array | Float64Array;
  private written = 0;
  private readonly width: number;
  private carry: Uint8Array;
  private carried = 0;

  constructor(
    private readonly header: NiftiHeader,
    count: number,
    private readonly scaling: Scaling,
  ) {
    this.output = scaledArray(header, count);
    this.width = BYTES_PER_VOXEL[header.datatype];
    this.carry = new Uint8Array(this.width);
  }

  write(piece: Uint8Array): void {
    let at = 0;
    if (this.carried > 0) {
      at = Math.min(this.width - this.carried, piece.length);
      this.carry.set(piece.subarray(0, at), this.carried);
      this.carried += at;
      if (this.carried < this.width) return;
      this.convert(this.carry.slice(), true);
      this.carried = 0;
    }
    const whole = Math.floor((piece.length - at) / this.width) * this.width;
    if (whole > 0) this.convert(piece.subarray(at, at + whole), false);
    const rest = piece.length - at - whole;
    if (rest > 0) {
      this.carry.set(piece.subarray(piece.length - rest));
      this.carried = rest;
    }
  }

  /** `owned`: the bytes are a private copy (else they belong to the caller and must not be modified). */
  private convert(bytes: Uint8Array, owned: boolean): void {
    if (!this.header.littleEndian) {
      if (!owned) bytes = bytes.slice();
      swapBytes(bytes, this.width);
    }
    const raw = viewAs(bytes, this.header.datatype, bytes.length / this.width);
    const { slope, inter } = this.scaling;
    const out = this.output;
    let n = this.written;
    for (let q = 0; q < raw.length; q++) out[n++] = raw[q] * slope + inter;
    this.written = n;
  }
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function planLayout(h: NiftiHeader, options: ReadNiftiOptions, source: string): Layout {
  if (!h.singleFile) {
    throw new UnsupportedDataError(
      source,
      'magic',
      'two-file NIfTI (.hdr/.img pair) is not supported; use .nii',
    );
  }
  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) throw new NiftiError(source, 'dim[0]', `must be 1..7, found ${ndim}`);
  for (let n = 1; n <= ndim; n++) {
    if (!Number.isSafeInteger(h.dim[n]) || h.dim[n] < 1) {
      throw new NiftiError(source, `dim[${n}]`, `must be a positive integer, found ${h.dim[n]}`);
    }
  }
  if (h.bitpix !== BYTES_PER_VOXEL[h.datatype] * 8) {
    throw new NiftiError(source, 'bitpix', `${h.bitpix} does not match datatype ${h.datatype}`);
  }
  const shape: Vec3 = [1, 2, 3].map((n) => (n <= ndim ? h.dim[n] : 1)) as Vec3;
  let volumeCount = 1;
  for (let n = 4; n <= ndim; n++) volumeCount *= h.dim[n];
  const index = options.volumeIndex ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= volumeCount) {
    throw new NiftiError(
      source,
      'dim[4..]',
      `volume index ${index} out of range (file has ${volumeCount} volumes)`,
    );
  }
  const byteLength = shape[0] * shape[1] * shape[2] * BYTES_PER_VOXEL[h.datatype];
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(byteLength <= maxBytes)) {
    throw new NiftiError(
      source,
      'dim',
      `volume of ${shape.join('×')} ${h.datatype} needs ${byteLength} bytes, over the limit of ${maxBytes}`,
    );
  }
  if (
    !Number.isFinite(h.voxOffset) ||
    h.voxOffset < h.headerSize ||
    !Number.isSafeInteger(Math.floor(h.voxOffset))
  ) {
    throw new NiftiError(source, 'vox_offset', `must be ≥ ${h.headerSize}, found ${h.voxOffset}`);
  }
  for (let n = 1; n <= Math.min(ndim, 3); n++) {
    const p = h.pixdim[n];
    if (!(p > 0) || !Number.isFinite(p)) {
      throw new NiftiError(source, `pixdim[${n}]`, `voxel size must be positive and finite, found ${p}`);
    }
  }
  const start = Math.floor(h.voxOffset) + index * byteLength;
  return { header: h, shape, volumeCount, start, byteLength };
}

function toVolume(layout: Layout, data: VoxelArray, h: NiftiHeader, source: string): Volume {
  const spacing: Vec3 = [1, 2, 3].map((n) => (n <= h.dim[0] ? h.pixdim[n] : 1)) as Vec3;
  const volume: Volume = {
    data,
    shape: layout.shape,
    spacing,
    affine: headerAffine(h, source),
    datatype: h.datatype,
    source,
  };
  // Only float data can hold NaN/Inf (finite scaling of integers cannot make them).
  const nonFinite = h.datatype === 'float32' || h.datatype === 'float64' ? countNonFinite(data) : 0;
  if (nonFinite > 0) volume.nonFiniteCount = nonFinite;
  return volume;
}

/** nibabel's rule: slope 0 or non-finite means no scaling; (1, 0) leaves the stored type. */
function scalingOf(h: NiftiHeader, source: string): Scaling | undefined {
  const slope = h.sclSlope;
  const inter = h.sclInter;
  if (slope === 0 || !Number.isFinite(slope)) return undefined;
  if (!Number.isFinite(inter))
    throw new NiftiError(source, 'scl_inter', `valid slope but invalid intercept ${inter}`);
  if (slope === 1 && inter === 0) return undefined;
  return { slope, inter };
}

/** Scaled values are float32 for ≤16-bit integers and float32 data, float64 for wider types. */
function scaledArray(h: NiftiHeader, count: number): Float32Array | Float64Array {
  const wide = h.datatype === 'float64' || (BYTES_PER_VOXEL[h.datatype] >= 4 && h.datatype !== 'float32');
  return wide ? new Float64Array(count) : new Float32Array(count);
}

function scale(raw: VoxelArray, { slope, inter }: Scaling, h: NiftiHeader): VoxelArray {
  const out = scaledArray(h, raw.length);
  for (let n = 0; n < raw.length; n++) out[n] = raw[n] * slope + inter;
  return out;
}

function countNonFinite(data: VoxelArray): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) return 0;
  let bad = 0;
  for (let n = 0; n < data.length; n++) {
    const x = data[n];
    if (x - x !== 0) bad++; // NaN for NaN and ±Inf
  }
  return bad;
}
