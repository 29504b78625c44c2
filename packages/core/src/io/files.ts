/**
 * File-system helpers (Node only; imported lazily so browser bundles that never call them stay clean).
 */

type Fs = typeof import('node:fs/promises');

let fsPromise: Promise<Fs> | undefined;

/** `node:fs/promises`, loaded on first use. */
export function nodeFs(): Promise<Fs> {
  fsPromise ??= import('node:fs/promises');
  return fsPromise;
}

/** A sibling path that no other writer will pick: `<path>.<tag>-<pid>-<random>`. */
export function temporarySibling(path: string, tag: string): string {
  const pid = typeof process !== 'undefined' ? process.pid : 0;
  return `${path}.${tag}-${pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Writes bytes to a temporary sibling, flushes them to disk, then renames over `path`, so readers see
 * either the old file or the complete new one, never a torn write.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const fs = await nodeFs();
  const tmp = temporarySibling(path, 'tmp');
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}
