import { initBackend, tf } from 'renal-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Llm2Vec, loadLlamaModel, loadLoraAdapter, mntpLoss } from '../src/index.js';
import { REPORTS } from './corpus.js';
import { fixture, reference, referenceBatch, relativeError } from './helpers.js';

/** LoRA gradients of the reference MNTP loss, plus full-weight gradients of a tiny encoder, on one backend. */
async function gradientsOn(backend: 'cpu' | 'wasm' | 'webgpu'): Promise<Float32Array[]> {
  await initBackend(backend);
  const m = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
  await loadLoraAdapter(fixture('tiny-llama/adapter'), m);
  const masked = {
    batch: referenceBatch(reference.mntp.corruptedIds),
    positions: Int32Array.from(reference.mntp.positions),
    labels: Int32Array.from(reference.mntp.labels),
  };
  const vars = m.lora!.variables();
  const lora = tf.variableGrads(() => mntpLoss(m, masked), vars);
  const out: Float32Array[] = [];
  for (const t of [lora.value, ...vars.map((v) => lora.grads[v.name])])
    out.push((await t.data()) as Float32Array);
  tf.dispose([lora.value, ...Object.values(lora.grads)]);
  m.dispose();

  const small = {
    hiddenSize: 32,
    intermediateSize: 64,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    headDim: 8,
    numHiddenLayers: 1,
  };
  const enc = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 5, config: small });
  const all = enc.model.trainableWeights();
  const prompt = enc.tokenize(REPORTS.slice(0, 3));
  const full = tf.variableGrads(
    () =>
      mntpLoss(enc.model, {
        batch: prompt.batch,
        positions: Int32Array.from([5, 9, 20]),
        labels: Int32Array.from([3, 4, 5]),
      }),
    all,
  );
  for (const v of all) out.push((await full.grads[v.name].data()) as Float32Array);
  tf.dispose([full.value, ...Object.values(full.grads)]);
  enc.dispose();
  return out;
}

afterAll(async () => {
  await initBackend('cpu');
});

describe('gradients agree across backends', () => {
  it('wasm matches cpu', async () => {
    const cpu = await gradientsOn('cpu');
    const wasm = await gradientsOn('wasm');
    expect(wasm).toHaveLength(cpu.length);
    cpu.forEach((g, i) => {
      expect(relativeError(wasm[i], g), `tensor ${i}`).toBeLessThan(1e-4);
    });
  });

  it('webgpu matches cpu (skipped where WebGPU cannot start)', async (ctx) => {
    const cpu = await gradientsOn('cpu');
    let gpu: Float32Array[];
    try {
      gpu = await gradientsOn('webgpu');
    } catch (error) {
      if ((error as Error).name === 'BackendUnavailableError') return ctx.skip();
      throw error;
    }
    cpu.forEach((g, i) => {
      expect(relativeError(gpu[i], g), `tensor ${i}`).toBeLessThan(1e-4);
    });
  });
});
