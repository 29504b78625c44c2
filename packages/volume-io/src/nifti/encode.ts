/**
 * Encoding NIfTI-1 single-file images with both sform and qform set from the affine, so nibabel, ITK and FSL read
 * back the same geometry. Pure (no file system): usable in browsers.
 */
import { gzipSync } from 'fflate';
import {
  BYTES_PER_VOXEL,
  convertForWrite,
  type DatatypeName,
  datatypeOf,
  NIFTI_NAME_TO_CODE,
} from '../datatypes.js';
import { NiftiError } from '../errors.js';
import type { Volume } from '../volume.js';
import { affineToQform } from './affine.js';

/** Options of {@link writeNifti} / {@link encodeNifti}. */
export interface WriteNiftiOptions {
  /** Stored datatype; default: the volume's own typed-array type. Integers are rounded and clamped. */
  datatype?: DatatypeName;
  /** NIfTI xform code for both sform and qform (default 1, scanner anatomical). */
  xformCode?: number;
  /** Free-text `descrip` (at most 79 ASCII characters kept). */
  description?: string;
  /** gzip level for .nii.gz (default 6). */
  gzipLevel?: number;
}

const HEADER_SIZE = 348;
const VOX_OFFSET = 352;

/** Encodes a volume as NIfTI-1 bytes (uncompressed unless `gzip`). */
export function encodeNifti(
  volume: Volume,
  options: WriteNiftiOptions & { gzip?: boolean } = {},
): Uint8Array {
  const name = volume.source ?? '<volume>';
  const datatype = options.datatype ?? datatypeOf(volume.data);
  if (datatype === 'int64' || datatype === 'uint64')
    throw new NiftiError(name, 'datatype', `${datatype} is not writable`);
  const count = volume.shape[0] * volume.shape[1] * volume.shape[2];
  if (volume.data.length !== count) {
    throw new NiftiError(
      name,
      'data',
      `holds ${volume.data.length} voxels, shape ${volume.shape.join('×')} needs ${count}`,
    );
  }
  const bytes = new Uint8Array(VOX_OFFSET + count * BYTES_PER_VOXEL[datatype]);
  writeHeader(new DataView(bytes.buffer), bytes, volume, datatype, options);
  const voxels = datatype === datatypeOf(volume.data) ? volume.data : convertForWrite(volume.data, datatype);
  bytes.set(new Uint8Array(voxels.buffer, voxels.byteOffset, voxels.byteLength), VOX_OFFSET);
  return options.gzip ? gzipSync(bytes, { level: (options.gzipLevel ?? 6) as 6 }) : bytes;
}

function writeHeader(
  v: DataView,
  bytes: Uint8Array,
  volume: Volume,
  datatype: DatatypeName,
  options: WriteNiftiOptions,
): void {
  const le = true;
  const q = affineToQform(volume.affine);
  const code = options.xformCode ?? 1;
  v.setInt32(0, HEADER_SIZE, le);
  bytes[39] = 0; // dim_info
  const dims = [3, volume.shape[0], volume.shape[1], volume.shape[2], 1, 1, 1, 1];
  for (const [n, d] of dims.entries()) v.setInt16(40 + 2 * n, d, le);
  v.setInt16(70, NIFTI_NAME_TO_CODE[datatype], le);
  v.setInt16(72, BYTES_PER_VOXEL[datatype] * 8, le);
  // pixdim follows the qform (zooms are the affine's column norms, pixdim[0] the qfac), as nibabel writes it.
  const pixdim = [q.qfac, q.zooms[0], q.zooms[1], q.zooms[2], 1, 1, 1, 1];
  for (const [n, p] of pixdim.entries()) v.setFloat32(76 + 4 * n, p, le);
  v.setFloat32(108, VOX_OFFSET, le);
  v.setFloat32(112, 1, le); // scl_slope: values are stored as they are
  v.setFloat32(116, 0, le);
  bytes[123] = 2 | 8; // xyzt_units: mm, s
  const descrip = (options.description ?? 'renal-volume-io').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  for (let n = 0; n < descrip.length; n++) bytes[148 + n] = descrip.charCodeAt(n);
  v.setInt16(252, code, le);
  v.setInt16(254, code, le);
  for (const [n, x] of q.quatern.entries()) v.setFloat32(256 + 4 * n, x, le);
  for (const [n, x] of q.qoffset.entries()) v.setFloat32(268 + 4 * n, x, le);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, volume.affine[r][c], le);
  bytes.set([0x6e, 0x2b, 0x31, 0], 344); // "n+1\0"
}
