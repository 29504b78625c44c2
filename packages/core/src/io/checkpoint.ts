import type { RawTensor } from './dtypes.js';
import { CheckpointError } from './errors.js';
import { nodeFs, temporarySibling, writeFileAtomic } from './files.js';
import { readSafetensors, writeSafetensors } from './safetensors-file.js';

/** File names inside a checkpoint folder. */
export const CHECKPOINT_FILES = { config: 'config.json', weights: 'weights.safetensors' } as const;

/** A checkpoint: a JSON-serialisable config, named tensors and string metadata. */
export interface Checkpoint {
  config: Record<string, unknown>;
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** What {@link saveCheckpoint} writes. */
export interface CheckpointContents {
  config: Record<string, unknown>;
  tensors: Map<string, RawTensor> | Record<string, RawTensor>;
  metadata?: Record<string, string>;
}

/**
 * Writes a checkpoint folder (`config.json` + `weights.safetensors`) atomically: everything is written and
 * flushed into a temporary sibling folder, which then replaces `dir` by rename. The previous checkpoint
 * is moved aside to `<dir>.previous` during the swap, so an interruption at any moment leaves either the
 * old or the new checkpoint loadable ({@link loadCheckpoint} falls back to `.previous`).
 */
export async function saveCheckpoint(dir: string, contents: CheckpointContents): Promise<void> {
  const fs = await nodeFs();
  const { join } = await import('node:path');
  const staging = temporarySibling(dir, 'partial');
  const previous = `${dir}.previous`;
  try {
    await fs.mkdir(staging, { recursive: true });
    await writeSafetensors(
      join(staging, CHECKPOINT_FILES.weights),
      contents.tensors,
      contents.metadata ?? {},
    );
    await writeFileAtomic(
      join(staging, CHECKPOINT_FILES.config),
      `${JSON.stringify(contents.config, null, 2)}\n`,
    );
    const hadOld = await exists(dir);
    if (hadOld) {
      await fs.rm(previous, { recursive: true, force: true });
      await fs.rename(dir, previous);
    }
    await fs.rename(staging, dir);
    if (hadOld) await fs.rm(previous, { recursive: true, force: true });
  } catch (error) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new CheckpointError(
      dir,
      `saving failed (${(error as Error).message}); the previous checkpoint is kept`,
    );
  }
}

/**
 * Loads a checkpoint folder. When `dir` is missing but an interrupted save left `<dir>.previous`, that
 * complete earlier checkpoint is loaded instead.
 */
export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  const fs = await nodeFs();
  const { join } = await import('node:path');
  const folder = (await exists(dir))
    ? dir
    : (await exists(`${dir}.previous`))
      ? `${dir}.previous`
      : undefined;
  if (folder === undefined) throw new CheckpointError(dir, 'no checkpoint folder here');
  let config: unknown;
  try {
    config = JSON.parse(await fs.readFile(join(folder, CHECKPOINT_FILES.config), 'utf8'));
  } catch (error) {
    throw new CheckpointError(
      join(folder, CHECKPOINT_FILES.config),
      `unreadable config (${(error as Error).message})`,
    );
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new CheckpointError(join(folder, CHECKPOINT_FILES.config), 'config is not a JSON object');
  }
  const { tensors, metadata } = await readSafetensors(join(folder, CHECKPOINT_FILES.weights));
  return { config: config as Record<string, unknown>, tensors, metadata };
}

/** True when a checkpoint (or the fallback left by an interrupted save) exists at `dir`. */
export async function checkpointExists(dir: string): Promise<boolean> {
  return (await exists(dir)) || (await exists(`${dir}.previous`));
}

async function exists(path: string): Promise<boolean> {
  const fs = await nodeFs();
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
