import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf, writeSafetensors } from 'renal-core';
import { exportTorchStateDict, loadResNet3dCheckpoint, ResNet3d, saveTorchWeights } from 'renal-resnet3d';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/run-cli.js';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'import-weights-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI capturing stdout and stderr. */
describe('renal-clip import-weights', () => {
  it('converts a prefixed PyTorch state dict, reading the architecture from the file', async () => {
    const original = new ResNet3d(
      { depth: 18, shortcut: 'B', widths: [2, 4, 4, 8], inChannels: 2, stemKernel: [3, 7, 7] },
      5,
    );
    const input = join(dir, 'monai.safetensors');
    const state = exportTorchStateDict(original, 'module.');
    state.set('module.fc.weight', { dtype: 'F32', shape: [2, 8], data: new Float32Array(16) }); // a classifier
    await writeSafetensors(input, state, {});
    const out = join(dir, 'ckpt');
    const { code, out: stdout } = await run(['import-weights', input, '--out', out, '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.prefix).toBe('module.');
    expect(result.ignored).toBe(1); // module.fc.weight, skipped by default
    expect(result.config).toMatchObject({
      depth: 18,
      shortcut: 'B',
      inChannels: 2,
      widths: [2, 4, 4, 8],
      stemKernel: [3, 7, 7],
    });
    const loaded = await loadResNet3dCheckpoint(out);
    const x = tf.randomUniform([1, 6, 12, 12, 2], 0, 1, 'float32', 1);
    const [a, b] = [original.apply(x), loaded.apply(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x]);
    original.dispose();
    loaded.dispose();
  });

  it('refuses weights that do not fit the requested architecture, in one line naming the file and cause', async () => {
    const original = new ResNet3d({ depth: 10, shortcut: 'A', widths: [2, 2, 2, 2], stemKernel: 3 }, 6);
    const input = join(dir, 'renalclip.safetensors');
    await saveTorchWeights(original, input, 'backbone.image_encoder.');
    original.dispose();
    const { code, err } = await run(['import-weights', input, '--out', join(dir, 'bad'), '--shortcut', 'B']);
    expect(code).not.toBe(0);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(input);
    expect(err).toMatch(/shortcut type A, the model was built with B/);
  });

  it('fails cleanly on a file that is not safetensors', async () => {
    const input = join(dir, 'model.pth');
    await writeFile(input, 'PK\u0003\u0004 this is a zip');
    const { code, err } = await run(['import-weights', input, '--out', join(dir, 'x')]);
    expect(code).not.toBe(0);
    expect(err).toContain(input);
    expect(err).toMatch(/convert it to safetensors first/);
  });
});
