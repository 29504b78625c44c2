import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, saveCheckpoint, tensorToRaw, writeSafetensors } from 'renal-core';
import { exportTorchStateDict } from 'renal-resnet3d';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageModel, loadImageWeights, pipelineConfig } from '../src/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const config = {
  ...pipelineConfig('tiny'),
  widths: [4, 4, 8, 8] as [number, number, number, number],
  embedDim: 8,
};

describe('image weights trained elsewhere', () => {
  it('loads a PyTorch-named state dict (with a RenalCLIP-style prefix) into the backbone', async () => {
    const source = new ImageModel(config, 1);
    const target = new ImageModel(config, 2);
    const dir = mkdtempSync(join(tmpdir(), 'weights-'));
    const file = join(dir, 'renalclip.safetensors');
    await writeSafetensors(file, exportTorchStateDict(source.backbone, 'module.backbone.image_encoder.'), {});
    expect((await loadImageWeights(target, file)).description).toMatch(
      /prefix "module.backbone.image_encoder."/,
    );
    const a = source.params(['backbone']);
    const b = target.params(['backbone']);
    for (const name of Object.keys(a))
      expect(Array.from(b[name].dataSync())).toEqual(Array.from(a[name].dataSync()));
    source.dispose();
    target.dispose();
  });

  it('loads a renal-clip checkpoint folder, projection included', async () => {
    const source = new ImageModel(config, 3);
    const target = new ImageModel(config, 4);
    const dir = join(mkdtempSync(join(tmpdir(), 'weights-')), 'best');
    const tensors: Record<string, Awaited<ReturnType<typeof tensorToRaw>>> = {};
    for (const [name, v] of Object.entries(source.params(['backbone', 'projection'])))
      tensors[name] = await tensorToRaw(v);
    await saveCheckpoint(dir, { config: {}, tensors });
    expect(await loadImageWeights(target, dir)).toMatchObject({ withProjection: true });
    const name = Object.keys(source.params(['projection']))[0];
    expect(Array.from(target.params(['projection'])[name].dataSync())).toEqual(
      Array.from(source.params(['projection'])[name].dataSync()),
    );
    source.dispose();
    target.dispose();
  });
});
