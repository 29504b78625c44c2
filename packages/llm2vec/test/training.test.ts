import { assertNoLeaks, initBackend, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Llm2Vec, type TrainProgress, trainMntp, trainSimCse, weightsToHost } from '../src/index.js';
import { REPORTS } from './corpus.js';

const small = {
  hiddenSize: 32,
  intermediateSize: 64,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  numHiddenLayers: 2,
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('training', () => {
  it('MNTP from scratch lowers the loss and keeps the tensor count flat', async () => {
    const encoder = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 1, config: small });
    const counts: number[] = [];
    const progress: TrainProgress[] = [];
    const result = await trainMntp(encoder, REPORTS, {
      epochs: 12,
      batchSize: 4,
      seed: 2,
      maskProbability: 0.3,
      learningRate: 1e-2,
      onProgress: (p) => {
        progress.push(p);
        counts.push(tf.memory().numTensors);
      },
    });
    expect(result.steps).toBe(24);
    expect(progress.at(-1)).toMatchObject({ phase: 'mntp', step: 24, totalSteps: 24 });
    expect(new Set(counts.slice(1)).size).toBe(1);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(result.losses.slice(-6))).toBeLessThan(mean(result.losses.slice(0, 6)) - 0.3);
    encoder.dispose();
  });

  it('LoRA-only MNTP changes only the adapted projections, then merges; SimCSE runs on top', async () => {
    const encoder = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 1, config: small });
    const before = await weightsToHost(encoder.model.weights);
    const hashBefore = await encoder.modelHash();
    const lora = {
      r: 4,
      alpha: 8,
      dropout: 0.05,
      targetModules: ['q_proj', 'v_proj'] as ('q_proj' | 'v_proj')[],
    };
    await trainMntp(encoder, REPORTS, {
      parameters: 'lora',
      lora,
      maxSteps: 3,
      batchSize: 4,
      learningRate: 1e-2,
    });
    expect(encoder.model.lora).toBeNull();
    const after = await weightsToHost(encoder.model.weights);
    for (const [name, t] of before) {
      const changed = t.data.some((v, i) => v !== after.get(name)!.data[i]);
      expect(changed, name).toBe(/q_proj|v_proj/.test(name));
    }
    expect(await encoder.modelHash()).not.toBe(hashBefore);
    const counts: number[] = [];
    await assertNoLeaks(async () => {
      const r = await trainSimCse(encoder, REPORTS, {
        parameters: 'lora',
        lora,
        maxSteps: 3,
        batchSize: 4,
        onProgress: () => counts.push(tf.memory().numTensors),
      });
      expect(r.losses.every(Number.isFinite)).toBe(true);
    }, 'SimCSE with merge');
    expect(new Set(counts.slice(1)).size).toBe(1);
    encoder.dispose();
  });

  it('a micro-batched MNTP step equals the full-batch step', async () => {
    const run = async (microBatchSize?: number) => {
      const encoder = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 4, config: small });
      const r = await trainMntp(encoder, REPORTS, { maxSteps: 1, batchSize: 8, seed: 9, microBatchSize });
      const w = await weightsToHost(encoder.model.weights);
      encoder.dispose();
      return { loss: r.losses[0], w };
    };
    const full = await run();
    const micro = await run(3);
    expect(micro.loss).toBeCloseTo(full.loss, 5);
    for (const [name, t] of full.w) {
      const other = micro.w.get(name)!.data;
      const diff = t.data.reduce((m, v, i) => Math.max(m, Math.abs(v - other[i])), 0);
      expect(diff, name).toBeLessThan(1e-5);
    }
  });
});
