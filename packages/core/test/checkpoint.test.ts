import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkpointExists,
  loadCheckpoint,
  type RawTensor,
  saveCheckpoint,
} from '../src/index.js';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'renal-checkpoint-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

const weights = (v: number): Record<string, RawTensor> => ({
  'layer.weight': { dtype: 'F32', shape: [2, 2], data: new Float32Array([v, v + 1, v + 2, v + 3]) },
});

describe('checkpoints', () => {
  it('saves config and weights and loads them back', async () => {
    const dir = join(scratch, 'a');
    await saveCheckpoint(dir, {
      config: { depth: 18, widths: [64, 128] },
      tensors: weights(1),
      metadata: { step: '7' },
    });
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'weights.safetensors']);
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.config).toEqual({ depth: 18, widths: [64, 128] });
    expect(ckpt.metadata).toEqual({ step: '7' });
    expect(Array.from(ckpt.tensors.get('layer.weight')!.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('replaces an older checkpoint and leaves no temporary folders behind', async () => {
    const dir = join(scratch, 'b');
    await saveCheckpoint(dir, { config: { v: 1 }, tensors: weights(1) });
    await saveCheckpoint(dir, { config: { v: 2 }, tensors: weights(10) });
    expect((await loadCheckpoint(dir)).config).toEqual({ v: 2 });
    expect((await readdir(scratch)).filter((n) => n.startsWith('b.'))).toEqual([]);
  });

  it('a failed save keeps the previous checkpoint intact', async () => {
    const dir = join(scratch, 'c');
    await saveCheckpoint(dir, { config: { v: 1 }, tensors: weights(1) });
    const broken = { x: { dtype: 'F32', shape: [3], data: new Float32Array(2) } } as Record<
      string,
      RawTensor
    >;
    await expect(saveCheckpoint(dir, { config: { v: 2 }, tensors: broken })).rejects.toThrow(CheckpointError);
    expect((await loadCheckpoint(dir)).config).toEqual({ v: 1 });
    expect((await readdir(scratch)).filter((n) => n.startsWith('c.'))).toEqual([]);
  });

  it('an interruption mid-swap leaves the previous checkpoint loadable', async () => {
    const dir = join(scratch, 'd');
    await saveCheckpoint(dir, { config: { v: 1 }, tensors: weights(1) });
    // Simulate a crash after the old folder was moved aside but before the new one was renamed in.
    const { rename } = await import('node:fs/promises');
    await rename(dir, `${dir}.previous`);
    expect(await checkpointExists(dir)).toBe(true);
    expect((await loadCheckpoint(dir)).config).toEqual({ v: 1 });
  });

  it('names what is wrong with a bad checkpoint', async () => {
    await expect(loadCheckpoint(join(scratch, 'none'))).rejects.toThrow(/none: no checkpoint folder here/);
    const dir = join(scratch, 'e');
    await saveCheckpoint(dir, { config: { v: 1 }, tensors: weights(1) });
    await writeFile(join(dir, 'config.json'), '[1,2]');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/config\.json: config is not a JSON object/);
  });
});
