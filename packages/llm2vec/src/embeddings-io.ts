import { type RawTensor, readSafetensors, toFloat32, writeSafetensors } from 'renal-core';
import { EmbeddingsFileError } from './errors.js';

/** A table of embeddings: `count` vectors of width `dim`, row-major, each with a string id. */
export interface EmbeddingTable {
  ids: string[];
  dim: number;
  /** `[count · dim]` float32. */
  vectors: Float32Array;
}

/** Name of the tensor holding the vectors in an embeddings safetensors file. */
export const EMBEDDINGS_TENSOR = 'embeddings';

/** Builds a table from per-text vectors (all of one width). */
export function toEmbeddingTable(ids: readonly string[], vectors: readonly Float32Array[]): EmbeddingTable {
  if (ids.length !== vectors.length)
    throw new EmbeddingsFileError(`${ids.length} ids for ${vectors.length} vectors`);
  const dim = vectors[0]?.length ?? 0;
  const flat = new Float32Array(ids.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim)
      throw new EmbeddingsFileError(`vector ${i} ('${ids[i]}') has width ${v.length}, expected ${dim}`);
    flat.set(v, i * dim);
  });
  return { ids: [...ids], dim, vectors: flat };
}

/** Sidecar file holding the ids of a `.npy` table: `<name>.ids.json`, a JSON array of strings. */
export const idsSidecar = (npyPath: string) => npyPath.replace(/\.npy$/, '.ids.json');

/**
 * Writes embeddings as safetensors (tensor `embeddings` `[N, D]` F32, ids as JSON in the metadata key
 * `ids`) or, for a `.npy` path, as a NumPy array with ids in `<name>.ids.json` beside it.
 */
export async function exportEmbeddings(
  path: string,
  table: EmbeddingTable,
  metadata: Record<string, string> = {},
): Promise<void> {
  if (path.endsWith('.npy')) {
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path, encodeNpy(table.vectors, [table.ids.length, table.dim]));
    await writeFile(idsSidecar(path), `${JSON.stringify(table.ids)}\n`);
    return;
  }
  const tensors = new Map<string, RawTensor>([
    [EMBEDDINGS_TENSOR, { dtype: 'F32', shape: [table.ids.length, table.dim], data: table.vectors }],
  ]);
  await writeSafetensors(path, tensors, { ...metadata, ids: JSON.stringify(table.ids) });
}

/**
 * Reads embeddings written by {@link exportEmbeddings} or by Python (`safetensors.torch.save_file` with
 * `metadata={"ids": json.dumps(ids)}`, or `numpy.save` plus an `.ids.json`). F16/BF16/F64 are widened to
 * float32. Inconsistent counts, a missing ids list or a wrong width (`expectedDim`) throw
 * {@link EmbeddingsFileError}.
 */
export async function importEmbeddings(
  path: string,
  options: { expectedDim?: number } = {},
): Promise<EmbeddingTable> {
  let vectors: Float32Array;
  let shape: number[];
  let ids: unknown;
  if (path.endsWith('.npy')) {
    const { readFile } = await import('node:fs/promises');
    ({ data: vectors, shape } = decodeNpy(new Uint8Array(await readFile(path)), path));
    try {
      ids = JSON.parse(await readFile(idsSidecar(path), 'utf8'));
    } catch (error) {
      throw new EmbeddingsFileError(
        `${path}: cannot read its ids from ${idsSidecar(path)} (${(error as Error).message})`,
      );
    }
  } else {
    const { tensors, metadata } = await readSafetensors(path);
    const raw = tensors.get(EMBEDDINGS_TENSOR) ?? (tensors.size === 1 ? [...tensors.values()][0] : undefined);
    if (!raw) throw new EmbeddingsFileError(`${path}: no '${EMBEDDINGS_TENSOR}' tensor`);
    vectors = toFloat32(raw);
    shape = raw.shape;
    try {
      ids = JSON.parse(metadata.ids ?? 'null');
    } catch {
      ids = null;
    }
    if (ids === null)
      throw new EmbeddingsFileError(`${path}: metadata has no 'ids' (a JSON array of strings)`);
  }
  if (shape.length !== 2)
    throw new EmbeddingsFileError(`${path}: embeddings must be 2-D [N, D], got [${shape}]`);
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' && typeof id !== 'number')) {
    throw new EmbeddingsFileError(`${path}: ids must be an array of strings`);
  }
  if (ids.length !== shape[0])
    throw new EmbeddingsFileError(`${path}: ${ids.length} ids for ${shape[0]} vectors`);
  if (options.expectedDim !== undefined && shape[1] !== options.expectedDim) {
    throw new EmbeddingsFileError(`${path}: vectors are ${shape[1]}-d, expected ${options.expectedDim}-d`);
  }
  return { ids: ids.map(String), dim: shape[1], vectors };
}

/** NumPy `.npy` v1.0 bytes of a float32 C-order array. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Decodes a `.npy` file (v1–3; little-endian f2/f4/f8, C order) to float32. */
export function decodeNpy(bytes: Uint8Array, source = 'npy'): { data: Float32Array; shape: number[] } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b))
    throw new EmbeddingsFileError(`${source}: not a .npy file`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new EmbeddingsFileError(`${source}: malformed .npy header`);
  if (fortran === 'True') throw new EmbeddingsFileError(`${source}: Fortran-order arrays are not supported`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = bytes.slice(start + headerLen);
  const sizes: Record<string, number> = { '<f4': 4, '<f8': 8, '<f2': 2 };
  const size = sizes[descr];
  if (!size)
    throw new EmbeddingsFileError(`${source}: dtype '${descr}' is not supported (use little-endian float)`);
  if (body.byteLength < count * size)
    throw new EmbeddingsFileError(`${source}: file is shorter than its shape [${shape}]`);
  const buffer = body.buffer;
  let data: Float32Array;
  if (descr === '<f4') data = new Float32Array(buffer, 0, count);
  else if (descr === '<f8') data = Float32Array.from(new Float64Array(buffer, 0, count));
  else data = toFloat32({ dtype: 'F16', shape, data: new Uint16Array(buffer, 0, count) });
  return { data, shape };
}
