/**
 * An on-disk cache of embeddings, one small file per text, in a folder per model hash:
 * `<dir>/<modelHash>/<k[0..2]>/<k>.f32` where k = sha256(instruction, text). A changed model has a new
 * hash, so stale vectors are never served; re-embedding an unchanged corpus reads files only.
 */
export class EmbeddingCache {
  constructor(
    readonly dir: string,
    readonly modelHash: string,
  ) {}

  private async pathOf(text: string, instruction: string): Promise<string> {
    const { createHash } = await import('node:crypto');
    const { join } = await import('node:path');
    const k = createHash('sha256').update(instruction).update('\u0000').update(text).digest('hex');
    return join(this.dir, this.modelHash, k.slice(0, 2), `${k}.f32`);
  }

  /** The cached vector of a text, or undefined. */
  async get(text: string, instruction = ''): Promise<Float32Array | undefined> {
    const { readFile } = await import('node:fs/promises');
    try {
      const bytes = await readFile(await this.pathOf(text, instruction));
      if (bytes.byteLength % 4 !== 0 || bytes.byteLength === 0) return undefined;
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    } catch {
      return undefined;
    }
  }

  /** Stores a vector (written to a temporary name and renamed, so readers never see half a file). */
  async set(text: string, vector: Float32Array, instruction = ''): Promise<void> {
    const { mkdir, rename, writeFile } = await import('node:fs/promises');
    const { dirname } = await import('node:path');
    const path = await this.pathOf(text, instruction);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
    await rename(tmp, path);
  }
}
