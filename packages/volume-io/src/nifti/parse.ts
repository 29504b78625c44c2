/**
 * Parsing NIfTI bytes already in memory (gunzipped with fflate, chunk by chunk): no file system, usable in browsers.
 */
import { Gunzip } from 'fflate';
import { GzipError, VolumeIoError } from '../errors.js';
import type { Volume } from '../volume.js';
import { NiftiAssembler, type ReadNiftiOptions } from './assemble.js';

/** Deflate never expands more than ~1032:1; a gzip trailer claiming more is lying. */
const MAX_DEFLATE_RATIO = 1032;
/** Chunk size for streaming (bytes). */
export const CHUNK = 1 << 20;

/** True when bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * An upper bound on a gzip stream's decompressed size: the trailer's ISIZE (exact below 4 GiB, which is certain
 * when 1032 × the compressed size is below 2³²), else deflate's maximum expansion. Undefined when the trailer
 * claims more than deflate could produce (a corrupt or multi-member file): then nothing is allocated up front.
 */
export function gzipSizeHint(trailer: Uint8Array, compressedSize: number): number | undefined {
  if (trailer.length < 4) return undefined;
  const isize = new DataView(trailer.buffer, trailer.byteOffset, 4).getUint32(0, true);
  const ceiling = compressedSize * MAX_DEFLATE_RATIO;
  if (isize > ceiling) return undefined;
  return ceiling < 2 ** 32 ? isize : ceiling;
}

/**
 * Parses NIfTI bytes already in memory (`.nii` or gzipped `.nii.gz`), e.g. from a browser `File`. Same options and
 * errors as {@link readNifti}; `source` names the data in error messages.
 */
export function parseNifti(bytes: Uint8Array, options: ReadNiftiOptions & { source?: string } = {}): Volume {
  const source = options.source ?? '<bytes>';
  if (!isGzip(bytes)) {
    const assembler = new NiftiAssembler(source, options, bytes.length);
    assembler.push(bytes);
    return assembler.finish();
  }
  const assembler = new NiftiAssembler(
    source,
    options,
    gzipSizeHint(bytes.subarray(bytes.length - 4), bytes.length),
    false,
  );
  const gunzip = new Gunzip((chunk) => {
    if (!assembler.done) assembler.push(chunk);
  });
  try {
    for (let at = 0; at < bytes.length && !assembler.done; at += CHUNK) {
      const end = Math.min(at + CHUNK, bytes.length);
      gunzip.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (error) {
    if (!isZlibError(error)) throw error;
    throw new GzipError(source, 'gzip', `corrupt or truncated gzip stream (${(error as Error).message})`);
  }
  return assembler.finish();
}

/** Errors raised by node:zlib (string `Z_…` codes) or fflate (numeric codes), as opposed to our own. */
export function isZlibError(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof VolumeIoError) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' || (typeof code === 'string' && code.startsWith('Z_'));
}
