import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fromTensor,
  kidneyBase,
  PreprocessCache,
  readNifti,
  stableStringify,
  toBatchTensor,
  toTensor,
  TransformError,
  type Volume,
} from '../src/index.js';

const CT = join(import.meta.dirname, 'fixtures', 'transforms', 'small_ct.nii.gz');

function ramp(shape: [number, number, number]): Volume {
  const n = shape[0] * shape[1] * shape[2];
  return {
    data: Float32Array.from({ length: n }, (_, i) => i),
    shape,
    spacing: [1, 1, 1],
    affine: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
    datatype: 'float32',
  };
}

describe('toTensor: channels-last [D, H, W, 1] = [k, j, i, 1]', () => {
  beforeAll(() => initBackend('cpu'));

  it('puts voxel (i, j, k) at [k, j, i, 0]', async () => {
    await assertNoLeaks(async () => {
      const v = ramp([4, 3, 2]);
      const t = toTensor(v);
      expect(t.shape).toEqual([2, 3, 4, 1]);
      const arr = (await t.array()) as number[][][][];
      expect(arr[1][2][3][0]).toBe(3 + 4 * (2 + 3 * 1));
      const back = await fromTensor(t, v);
      expect(back.shape).toEqual([4, 3, 2]);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
      const batch = toBatchTensor([v, v]);
      expect(batch.shape).toEqual([2, 2, 3, 4, 1]);
      tf.dispose([t, batch]);
    }, 'toTensor');
  });

  it('checks shapes', () => {
    expect(() => toTensor(new Float32Array(5), [1, 2, 3])).toThrow(TransformError);
    expect(() => toBatchTensor([ramp([2, 2, 2]), ramp([2, 2, 3])])).toThrow(TransformError);
  });
});

describe('PreprocessCache', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vio-cache-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('keys by content hash + config, stores once, returns the same crop', async () => {
    const cache = new PreprocessCache(join(dir, 'cache'));
    const source = join(dir, 'a.nii.gz');
    await copyFile(CT, source);
    const config = { preset: 'tiny', center: [14, 12, 5] };
    const compute = async () => kidneyBase(await readNifti(source), [14, 12, 5], 'tiny');
    const first = await cache.getOrCompute(source, config, compute);
    const second = await cache.getOrCompute(source, { center: [14, 12, 5], preset: 'tiny' }, compute);
    expect(cache.misses).toBe(1);
    expect(cache.hits).toBe(1);
    expect(second.shape).toEqual(first.shape);
    expect(Array.from(second.data)).toEqual(Array.from(first.data));
    // Same content under another name hits; another config misses.
    const copy = join(dir, 'b.nii.gz');
    await copyFile(CT, copy);
    await cache.getOrCompute(copy, config, compute);
    expect(cache.hits).toBe(2);
    await cache.getOrCompute(source, { ...config, center: [10, 10, 5] }, compute);
    expect(cache.misses).toBe(2);
    expect((await readdir(join(dir, 'cache'))).length).toBeGreaterThan(0);
  });

  it('stableStringify ignores key order', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(
      stableStringify({ a: [1, { c: 3, d: 2 }], b: 1 }),
    );
  });
});
