/**
 * NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers: detection of version and byte order, and parsing into
 * one version-neutral record.
 */
import { NIFTI_CODE_TO_NAME, NIFTI_UNSUPPORTED, type DatatypeName } from '../datatypes.js';
import { NiftiError, UnsupportedDataError } from '../errors.js';

/** The header fields this package uses, version-neutral (NIfTI-2 64-bit values as numbers). */
export interface NiftiHeader {
  /** NIfTI-1 or NIfTI-2. */
  version: 1 | 2;
  /** Byte order of the header and the voxels. */
  littleEndian: boolean;
  /** Header size in bytes (348 or 540). */
  headerSize: number;
  /** `dim[0..7]`. */
  dim: number[];
  /** `datatype` as stored (e.g. 4 for int16). */
  datatypeCode: number;
  /** `datatype` by name. */
  datatype: DatatypeName;
  /** Bits per voxel. */
  bitpix: number;
  /** `pixdim[0..7]` (pixdim[0] is qfac). */
  pixdim: number[];
  /** Byte offset of the voxel data (after header and extensions). */
  voxOffset: number;
  /** `scl_slope` (0 or non-finite: no scaling). */
  sclSlope: number;
  /** `scl_inter`. */
  sclInter: number;
  /** `qform_code` (0: no qform). */
  qformCode: number;
  /** `sform_code` (0: no sform). */
  sformCode: number;
  /** `quatern_b/c/d`. */
  quatern: [number, number, number];
  /** `qoffset_x/y/z` (mm). */
  qoffset: [number, number, number];
  /** `srow_x/y/z`: the sform's first three rows. */
  srow: [number[], number[], number[]];
  /** `xyzt_units` bit field. */
  xyztUnits: number;
  /** `descrip` text. */
  descrip: string;
  /** True for a single-file image (`n+1`/`n+2`); false for a header of a .hdr/.img pair. */
  singleFile: boolean;
}

/** Bytes needed to recognise a header (the larger of the two sizes). */
export const NIFTI1_HEADER_SIZE = 348;
export const NIFTI2_HEADER_SIZE = 540;

/** Decides version and byte order from `sizeof_hdr` (first 4 bytes); throws on anything else. */
export function sniffNifti(bytes: Uint8Array, source: string): { version: 1 | 2; littleEndian: boolean } {
  if (bytes.length < 4) throw new NiftiError(source, 'sizeof_hdr', 'file too short to hold a NIfTI header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
  for (const littleEndian of [true, false]) {
    const size = view.getInt32(0, littleEndian);
    if (size === NIFTI1_HEADER_SIZE) return { version: 1, littleEndian };
    if (size === NIFTI2_HEADER_SIZE) return { version: 2, littleEndian };
  }
  throw new NiftiError(
    source,
    'sizeof_hdr',
    `expected 348 (NIfTI-1) or 540 (NIfTI-2), found ${view.getInt32(0, true)} — not a NIfTI file`,
  );
}

function ascii(bytes: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let n = start; n < start + length && bytes[n] !== 0; n++) s += String.fromCharCode(bytes[n]);
  return s;
}

/** Parses a complete header (`bytes` holds at least `headerSize` bytes). */
export function parseNiftiHeader(bytes: Uint8Array, source: string): NiftiHeader {
  const { version, littleEndian } = sniffNifti(bytes, source);
  const headerSize = version === 1 ? NIFTI1_HEADER_SIZE : NIFTI2_HEADER_SIZE;
  if (bytes.length < headerSize) {
    throw new NiftiError(source, 'header', `truncated: ${bytes.length} of ${headerSize} header bytes`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, headerSize);
  const le = littleEndian;
  const i16 = (o: number) => v.getInt16(o, le);
  const i32 = (o: number) => v.getInt32(o, le);
  const f32 = (o: number) => v.getFloat32(o, le);
  const f64 = (o: number) => v.getFloat64(o, le);
  const i64 = (o: number) => Number(v.getBigInt64(o, le));
  const raw =
    version === 1
      ? {
          magic: ascii(bytes, 344, 4),
          dim: Array.from({ length: 8 }, (_, n) => i16(40 + 2 * n)),
          datatypeCode: i16(70),
          bitpix: i16(72),
          pixdim: Array.from({ length: 8 }, (_, n) => f32(76 + 4 * n)),
          voxOffset: f32(108),
          sclSlope: f32(112),
          sclInter: f32(116),
          xyztUnits: bytes[123],
          descrip: ascii(bytes, 148, 80),
          qformCode: i16(252),
          sformCode: i16(254),
          quatern: [f32(256), f32(260), f32(264)] as [number, number, number],
          qoffset: [f32(268), f32(272), f32(276)] as [number, number, number],
          srow: [0, 1, 2].map((r) =>
            [0, 1, 2, 3].map((c) => f32(280 + 16 * r + 4 * c)),
          ) as NiftiHeader['srow'],
        }
      : {
          magic: ascii(bytes, 4, 3),
          dim: Array.from({ length: 8 }, (_, n) => i64(16 + 8 * n)),
          datatypeCode: i16(12),
          bitpix: i16(14),
          pixdim: Array.from({ length: 8 }, (_, n) => f64(104 + 8 * n)),
          voxOffset: i64(168),
          sclSlope: f64(176),
          sclInter: f64(184),
          xyztUnits: i32(500),
          descrip: ascii(bytes, 240, 80),
          qformCode: i32(344),
          sformCode: i32(348),
          quatern: [f64(352), f64(360), f64(368)] as [number, number, number],
          qoffset: [f64(376), f64(384), f64(392)] as [number, number, number],
          srow: [0, 1, 2].map((r) =>
            [0, 1, 2, 3].map((c) => f64(400 + 32 * r + 8 * c)),
          ) as NiftiHeader['srow'],
        };
  const singleFile = checkMagic(raw.magic, version, source);
  const datatype = checkDatatype(raw.datatypeCode, source);
  return {
    version,
    littleEndian,
    headerSize,
    dim: raw.dim,
    datatypeCode: raw.datatypeCode,
    datatype,
    bitpix: raw.bitpix,
    pixdim: raw.pixdim,
    voxOffset: raw.voxOffset,
    sclSlope: raw.sclSlope,
    sclInter: raw.sclInter,
    qformCode: raw.qformCode,
    sformCode: raw.sformCode,
    quatern: raw.quatern,
    qoffset: raw.qoffset,
    srow: raw.srow,
    xyztUnits: raw.xyztUnits,
    descrip: raw.descrip,
    singleFile,
  };
}

function checkMagic(magic: string, version: 1 | 2, source: string): boolean {
  const single = version === 1 ? 'n+1' : 'n+2';
  const pair = version === 1 ? 'ni1' : 'ni2';
  if (magic === single) return true;
  if (magic === pair) return false;
  throw new NiftiError(source, 'magic', `expected "${single}" or "${pair}", found ${JSON.stringify(magic)}`);
}

function checkDatatype(code: number, source: string): DatatypeName {
  const name = NIFTI_CODE_TO_NAME[code];
  if (name) return name;
  const known = NIFTI_UNSUPPORTED[code];
  if (known) {
    throw new UnsupportedDataError(
      source,
      'datatype',
      `${known} (code ${code}) is not supported; convert to a scalar type`,
    );
  }
  throw new NiftiError(source, 'datatype', `unknown datatype code ${code}`);
}
