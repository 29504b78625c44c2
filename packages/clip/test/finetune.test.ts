import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoLeaks, initBackend } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CropCache,
  cropGeometry,
  finetuneClassification,
  ImageModel,
  pipelineConfig,
  readManifest,
  rocAuc,
  TASKS,
} from '../src/index.js';
import { writeMiniCohort } from './helpers/mini-cohort.js';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('stage 3 by full fine-tuning', () => {
  it('learns a visible label end to end, leaves the encoder untouched, leaks nothing and is seeded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'finetune-'));
    // The mini cohort draws a bright mass in every malignant kidney: malignancy is visible.
    const records = readManifest(await writeMiniCohort(join(dir, 'cohort'), 12));
    const config = pipelineConfig('tiny', {
      boxMm: [50, 50, 50],
      cacheShape: [10, 36, 36],
      inputShape: [8, 32, 32],
      widths: [4, 8, 8, 8],
      task: { epochs: 1, batchSize: 8, lr: 1e-3, weightDecay: 0.01, hidden: 8 },
      finetune: { epochs: 15, batchSize: 8, lr: 1e-2, backboneLr: 1e-2 },
    });
    const cache = new CropCache(join(dir, 'cache'), cropGeometry(config));
    const encoder = new ImageModel(config, 2);
    const before = Array.from(encoder.params(['backbone'])['backbone.conv1.weight'].dataSync());
    const spec = TASKS.find((t) => t.name === 'malignancy')!;
    const run = (epochs = config.finetune.epochs) =>
      finetuneClassification({
        spec,
        encoder,
        train: records,
        test: records,
        cache,
        config: { ...config, finetune: { ...config.finetune, epochs } },
        seed: 5,
      });
    let first: Awaited<ReturnType<typeof run>>;
    await assertNoLeaks(async () => {
      first = await run();
    }, 'finetuneClassification');
    const { probs, labels } = first!;
    expect(probs).toHaveLength(labels.length);
    for (const p of probs) expect(p[0] + p[1]).toBeCloseTo(1, 5);
    expect(
      rocAuc(
        labels,
        probs.map((p) => p[1]),
      ),
    ).toBeGreaterThan(0.9);
    expect(Array.from(encoder.params(['backbone'])['backbone.conv1.weight'].dataSync())).toEqual(before);
    expect((await run(1))!.probs).toEqual((await run(1))!.probs);
    encoder.dispose();
  });
});
