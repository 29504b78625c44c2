/**
 * Reading NIfTI from a file: streamed, gunzipped by Node's native zlib, only the requested volume kept.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { GzipError, NiftiError } from '../errors.js';
import type { Volume } from '../volume.js';
import { NiftiAssembler, type ReadNiftiOptions } from './assemble.js';
import { CHUNK, gzipSizeHint, isGzip, isZlibError } from './parse.js';

/**
 * Reads one 3-D volume from a `.nii` or `.nii.gz` file (NIfTI-1 or -2, either byte order; gzip detected from the
 * content, not the name). The file is streamed: only the header and the requested volume are kept in memory.
 * Throws {@link NiftiError}, {@link GzipError} or {@link UnsupportedDataError} naming the file and field.
 */
export async function readNifti(path: string, options: ReadNiftiOptions = {}): Promise<Volume> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new NiftiError(path, 'file', error.code === 'ENOENT' ? 'no such file' : error.message);
  });
  if (!info.isFile()) throw new NiftiError(path, 'file', 'not a regular file');
  const { size } = info;
  const head = new Uint8Array(2);
  const trailer = new Uint8Array(4);
  const fh = await open(path, 'r');
  try {
    await fh.read(head, 0, 2, 0);
    if (size >= 4) await fh.read(trailer, 0, 4, size - 4);
  } finally {
    await fh.close();
  }
  const gz = isGzip(head);
  const assembler = new NiftiAssembler(path, options, gz ? gzipSizeHint(trailer, size) : size, !gz);
  const file = createReadStream(path, { highWaterMark: CHUNK });
  const stream = gz ? file.pipe(createGunzip({ chunkSize: CHUNK })) : file;
  try {
    for await (const chunk of stream) {
      assembler.push(chunk as Uint8Array);
      if (assembler.done) break;
    }
  } catch (error) {
    if (gz && isZlibError(error)) {
      throw new GzipError(path, 'gzip', `corrupt or truncated gzip stream (${(error as Error).message})`);
    }
    throw error;
  } finally {
    file.destroy();
    if (stream !== file) stream.destroy();
  }
  return assembler.finish();
}
