import { type RawTensor, typedArrayFromBytes } from './dtypes.js';
import { SafetensorsError } from './errors.js';
import { nodeFs, writeFileAtomic } from './files.js';
import {
  checkHeaderLength,
  encodeSafetensors,
  parseHeader,
  type SafetensorsHeader,
} from './safetensors-format.js';

/** What {@link readSafetensors} returns: tensors in file order and the `__metadata__` map. */
export interface SafetensorsContents {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** Options of {@link readSafetensors}. */
export interface ReadSafetensorsOptions {
  /** Read only these tensors (each must exist); default all. */
  names?: readonly string[];
}

/**
 * Reads and validates only the header of a safetensors file (8 + header-length bytes), so a model's
 * tensor names, dtypes and shapes can be inspected without loading its data.
 */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await openOrThrow(path);
  try {
    return await readHeaderFrom(handle, (await handle.stat()).size, path);
  } finally {
    await handle.close();
  }
}

/**
 * Reads a safetensors file. Every size is checked against the header and the file's length before any
 * buffer is allocated, and only the requested tensors' bytes are read. A path ending in `.index.json`
 * reads a sharded checkpoint (Hugging Face `weight_map`) instead.
 */
export async function readSafetensors(
  path: string,
  options: ReadSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  if (path.endsWith('.index.json')) return readShardedSafetensors(path, options);
  const handle = await openOrThrow(path);
  try {
    const header = await readHeaderFrom(handle, (await handle.stat()).size, path);
    const tensors = new Map<string, RawTensor>();
    for (const name of options.names ?? header.entries.keys()) {
      const entry = header.entries.get(name);
      if (entry === undefined) throw new SafetensorsError(path, 'no such tensor in the file', name);
      const [begin, end] = entry.dataOffsets;
      const bytes = new Uint8Array(end - begin);
      const { bytesRead } = await handle.read(bytes, 0, bytes.byteLength, header.dataStart + begin);
      if (bytesRead !== bytes.byteLength)
        throw new SafetensorsError(path, 'file ended inside the tensor data', name);
      tensors.set(name, {
        dtype: entry.dtype,
        shape: entry.shape,
        data: typedArrayFromBytes(entry.dtype, bytes),
      });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    await handle.close();
  }
}

/** Writes tensors (in insertion order) and string metadata as a safetensors file, atomically. */
export async function writeSafetensors(
  path: string,
  tensors: Map<string, RawTensor> | Record<string, RawTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const entries = tensors instanceof Map ? tensors.entries() : Object.entries(tensors);
  await writeFileAtomic(path, encodeSafetensors(entries, metadata));
}

/**
 * Reads a sharded checkpoint from its index (`{"metadata": …, "weight_map": {tensor: shard file}}`),
 * reading each shard once and only for the tensors requested. Shard paths may not leave the index's folder.
 */
export async function readShardedSafetensors(
  indexPath: string,
  options: ReadSafetensorsOptions = {},
): Promise<SafetensorsContents> {
  const fs = await nodeFs();
  const { dirname, resolve, relative, isAbsolute } = await import('node:path');
  let index: { weight_map?: unknown; metadata?: unknown };
  try {
    index = JSON.parse(await fs.readFile(indexPath, 'utf8'));
  } catch (error) {
    throw new SafetensorsError(indexPath, `cannot read the shard index (${(error as Error).message})`);
  }
  const weightMap = index.weight_map;
  if (weightMap === null || typeof weightMap !== 'object') {
    throw new SafetensorsError(indexPath, 'the shard index has no weight_map object');
  }
  const folder = dirname(indexPath);
  const byShard = new Map<string, string[]>();
  for (const name of options.names ?? Object.keys(weightMap)) {
    const shard = (weightMap as Record<string, unknown>)[name];
    if (typeof shard !== 'string') throw new SafetensorsError(indexPath, 'not in the weight_map', name);
    const full = resolve(folder, shard);
    const rel = relative(folder, full);
    if (rel.startsWith('..') || isAbsolute(rel)) {
      throw new SafetensorsError(indexPath, `shard '${shard}' lies outside the index's folder`, name);
    }
    byShard.set(full, [...(byShard.get(full) ?? []), name]);
  }
  const tensors = new Map<string, RawTensor>();
  for (const [shard, names] of byShard) {
    for (const [name, tensor] of (await readSafetensors(shard, { names })).tensors) tensors.set(name, tensor);
  }
  const metadata: Record<string, string> = {};
  if (index.metadata !== null && typeof index.metadata === 'object') {
    for (const [k, v] of Object.entries(index.metadata)) metadata[k] = String(v);
  }
  return { tensors, metadata };
}

type FileHandle = Awaited<ReturnType<typeof import('node:fs/promises')['open']>>;

async function openOrThrow(path: string): Promise<FileHandle> {
  const fs = await nodeFs();
  try {
    return await fs.open(path, 'r');
  } catch (error) {
    throw new SafetensorsError(
      path,
      `cannot open (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

async function readHeaderFrom(
  handle: FileHandle,
  fileSize: number,
  path: string,
): Promise<SafetensorsHeader> {
  const prefix = new Uint8Array(8);
  await handle.read(prefix, 0, 8, 0);
  const length = checkHeaderLength(prefix, fileSize, path);
  const headerBytes = new Uint8Array(length);
  await handle.read(headerBytes, 0, length, 8);
  return parseHeader(headerBytes, fileSize - 8 - length, path);
}
