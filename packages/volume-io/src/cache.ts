/**
 * A disk cache of preprocessed crops, keyed by the source file's content hash (SHA-256) and the transform
 * configuration, so later stages never decode a volume twice. Entries are float32 NIfTI files written atomically.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readNifti } from './nifti/read.js';
import { writeNifti } from './nifti/write.js';
import type { Volume } from './volume.js';

const hashMemo = new Map<string, { size: number; mtimeMs: number; hash: string }>();

/** SHA-256 (hex) of a file's bytes, streamed; memoised per process by path, size and modification time. */
export async function hashFile(path: string): Promise<string> {
  const { size, mtimeMs } = await stat(path);
  const memo = hashMemo.get(path);
  if (memo && memo.size === size && memo.mtimeMs === mtimeMs) return memo.hash;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }))
    hash.update(chunk as Uint8Array);
  const hex = hash.digest('hex');
  hashMemo.set(path, { size, mtimeMs, hash: hex });
  return hex;
}

/** JSON with sorted object keys, so equal configurations give equal keys. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A folder of cached preprocessed volumes. */
export class PreprocessCache {
  /** Lookups answered from disk since construction. */
  hits = 0;
  /** Lookups that had to compute. */
  misses = 0;

  constructor(
    /** The cache folder (created on first store). */
    readonly dir: string,
  ) {}

  /** The cache key of a source file's content hash and a configuration. */
  static key(contentHash: string, config: unknown): string {
    return createHash('sha256')
      .update(contentHash)
      .update('\n')
      .update(stableStringify(config))
      .digest('hex');
  }

  /**
   * The cached volume for (`sourceFile`'s content, `config`), or `compute()`'s result, stored for next time.
   * `config` must describe everything `compute` does (transform chain, centre, preset).
   */
  async getOrCompute(
    sourceFile: string,
    config: unknown,
    compute: () => Promise<Volume> | Volume,
  ): Promise<Volume> {
    const key = PreprocessCache.key(await hashFile(sourceFile), config);
    const path = join(this.dir, key.slice(0, 2), `${key}.nii`);
    const present = await stat(path).then(
      (info) => info.isFile(),
      () => false,
    );
    if (present) {
      this.hits++;
      return readNifti(path);
    }
    this.misses++;
    const volume = await compute();
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true });
    await writeNifti(path, volume, { datatype: 'float32', description: 'renal-volume-io cache' });
    return volume;
  }
}
