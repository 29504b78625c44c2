import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadCheckpoint, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CropCache,
  ImageModel,
  type KidneyRecord,
  pipelineConfig,
  type ReportEmbeddings,
  trainAlignStage,
} from '../src/index.js';

const config = pipelineConfig('tiny', {
  cacheShape: [8, 16, 16],
  inputShape: [8, 16, 16],
  widths: [4, 4, 8, 8],
  embedDim: 8,
  augment: { affine: false },
  align: { epochs: 1, batchSize: 6, headWarmupSteps: 4, refitSteps: 0 },
});

// Three report texts over twelve kidneys, so that batches hold identical reports (shared positives).
const records: KidneyRecord[] = Array.from({ length: 12 }, (_, i) => ({
  id: `k${i}`,
  patientId: `p${i}`,
  side: 'L',
  phases: { A: `/nowhere/${i}/A.nii.gz` },
  report: `report ${i % 3}`,
}));

/** Random crops held in memory (no files): the stage reads crops only through the cache. */
function memoryCache(): CropCache {
  const rng = new Rng(7);
  const size = config.cacheShape.reduce((a, b) => a * b, 1);
  const crops = new Map(records.map((r) => [r.id, Float32Array.from(rng.uniformArray(size))]));
  return { get: async (record: KidneyRecord) => crops.get(record.id)! } as unknown as CropCache;
}

function randomEmbeddings(): ReportEmbeddings {
  const rng = new Rng(11);
  const dim = config.embedDim;
  return { ids: records.map((r) => r.id), views: 1, dim, data: Float32Array.from(rng.normalArray(12 * dim)) };
}

type AlignOverrides = Partial<(typeof config)['align']>;

async function align(overrides: AlignOverrides, dir = mkdtempSync(join(tmpdir(), 'align-'))) {
  const model = new ImageModel(config, 1);
  const before = tf.memory().numTensors;
  const result = await trainAlignStage({
    model,
    train: records.slice(0, 9),
    val: records.slice(9),
    cache: memoryCache(),
    config: { ...config, align: { ...config.align, ...overrides } },
    embeddings: randomEmbeddings(),
    dir,
    seed: 2,
    progress: null,
  });
  const leaked = tf.memory().numTensors - before;
  const saved = await loadCheckpoint(join(dir, 'last'));
  const savedScale = Math.exp(Number(saved.tensors.get('logit_scale')!.data[0]));
  model.dispose();
  return { result, leaked, savedScale, dir };
}

/** The tensors of `<dir>/best`, by name, as plain arrays; and its config. */
async function best(dir: string) {
  const checkpoint = await loadCheckpoint(join(dir, 'best'));
  const tensors = Object.fromEntries(
    [...checkpoint.tensors].map(([name, raw]) => [name, Array.from(raw.data as Float32Array)]),
  );
  return { tensors, config: checkpoint.config };
}

const named = (tensors: Record<string, number[]>, prefix: string) =>
  Object.fromEntries(Object.entries(tensors).filter(([name]) => name.startsWith(prefix)));

describe('trainAlignStage: the logit scale and the projection refit', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('stays at align.logitScale when it is fixed, and is saved with the checkpoint', async () => {
    const { result, leaked, savedScale } = await align({ logitScale: 5, learnLogitScale: false });
    expect(result.logitScale).toBeCloseTo(5, 5);
    expect(savedScale).toBeCloseTo(5, 5);
    expect(result.losses.length).toBeGreaterThan(0);
    expect(leaked).toBe(0);
  });

  it('starts from align.logitScale and moves when it is learnt', async () => {
    const { result, leaked } = await align({ logitScale: 5, learnLogitScale: true });
    expect(Math.abs(result.logitScale - 5)).toBeGreaterThan(1e-3);
    expect(leaked).toBe(0);
  });

  it('refits only the projection of best, at the fixed scale, once', async () => {
    const plain = await best((await align({ refitSteps: 0 })).dir);
    const { dir, leaked } = await align({ refitSteps: 6, refitLogitScale: 3 });
    const refitted = await best(dir);
    expect(refitted.config.projectionRefit).toEqual({ steps: 6, logitScale: 3 });
    expect(plain.config.projectionRefit).toBeUndefined();
    // The same joint training, so the same backbone; a different projection.
    expect(named(refitted.tensors, 'backbone.')).toEqual(named(plain.tensors, 'backbone.'));
    expect(named(refitted.tensors, 'projection.')).not.toEqual(named(plain.tensors, 'projection.'));
    expect(leaked).toBe(0);
    // Resuming the finished stage leaves the refitted checkpoint as it is.
    await align({ refitSteps: 6, refitLogitScale: 3 }, dir);
    expect((await best(dir)).tensors).toEqual(refitted.tensors);
  });

  it('refuses a scale outside the clamp [1, 100], naming the key', () => {
    expect(() => pipelineConfig('tiny', { align: { logitScale: 0.5 } }, 'my.json')).toThrow(
      /^my\.json: "align.logitScale" must lie in \[1, 100\]/,
    );
    expect(() => pipelineConfig('tiny', { align: { logitScale: 101 } })).toThrow(/align.logitScale/);
    expect(pipelineConfig('tiny', { align: { logitScale: 100 } }).align.logitScale).toBe(100);
    expect(() => pipelineConfig('tiny', { align: { refitLogitScale: 0 } })).toThrow(
      /"align.refitLogitScale" must lie in \[1, 100\]/,
    );
  });
});
