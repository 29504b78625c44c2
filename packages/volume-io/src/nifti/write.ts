/**
 * Writing NIfTI-1 files (.nii, or .nii.gz by extension), atomically: a temporary file, then a rename.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Volume } from '../volume.js';
import { encodeNifti, type WriteNiftiOptions } from './encode.js';

/**
 * Writes a volume as NIfTI-1 (`.nii.gz` gzipped, anything else plain), atomically: the bytes go to a temporary
 * file beside the target, which is then renamed over it.
 */
export async function writeNifti(
  path: string,
  volume: Volume,
  options: WriteNiftiOptions = {},
): Promise<void> {
  const plain = encodeNifti(volume, { ...options, gzip: false });
  // Node's native zlib is several times faster than fflate for large volumes.
  const bytes = /\.gz$/i.test(path) ? gzipSync(plain, { level: options.gzipLevel ?? 6 }) : plain;
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
