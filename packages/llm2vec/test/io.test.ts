import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, tf } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddingsFileError,
  exportEmbeddings,
  importEmbeddings,
  loadLlamaModel,
  loadLoraAdapter,
  ModelTooLargeError,
  saveLlamaModel,
  saveLoraAdapter,
  VocabularyMismatchError,
  WeightsError,
  weightsToHost,
} from '../src/index.js';
import { fixture, realTokens, reference, referenceBatch, relativeError } from './helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'llm2vec-io-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Hugging Face checkpoints', () => {
  it('a sharded BF16 checkpoint loads to the F32 weights rounded to bfloat16', async () => {
    const f32 = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
    const bf16 = await loadLlamaModel(fixture('tiny-llama/bf16'), { onWarning: () => {} });
    const a = await weightsToHost(f32.weights);
    const b = await weightsToHost(bf16.weights);
    for (const [name, t] of a) {
      const err = relativeError(b.get(name)!.data, t.data);
      expect(err, name).toBeLessThan(2 ** -8);
      expect(err, name).toBeGreaterThan(0);
    }
    f32.dispose();
    bf16.dispose();
  });

  it('model and PEFT adapter round-trip through save/load', async () => {
    const m = await loadLlamaModel(fixture('tiny-llama'), { onWarning: () => {} });
    await loadLoraAdapter(fixture('tiny-llama/adapter'), m);
    await saveLlamaModel(join(dir, 'model'), m);
    await saveLoraAdapter(join(dir, 'model', 'adapter'), m.lora!, 'tiny-llama');
    const peft = JSON.parse(readFileSync(join(dir, 'model', 'adapter', 'adapter_config.json'), 'utf8'));
    expect(peft).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8 });
    const again = await loadLlamaModel(join(dir, 'model'));
    await loadLoraAdapter(join(dir, 'model', 'adapter'), again);
    const h = again.forward(referenceBatch());
    expect(relativeError(h.dataSync(), reference.hiddenLora, realTokens(32))).toBeLessThan(1e-4);
    tf.dispose(h);
    m.dispose();
    again.dispose();
  });

  it('refuses a vocabulary mismatch, a missing tensor, and a model too large for memory', async () => {
    const { mkdirSync, writeFileSync, copyFileSync } = await import('node:fs');
    const bad = join(dir, 'bad');
    mkdirSync(bad, { recursive: true });
    copyFileSync(fixture('tiny-llama/model.safetensors'), join(bad, 'model.safetensors'));
    const config = JSON.parse(readFileSync(fixture('tiny-llama/config.json'), 'utf8'));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...config, vocab_size: 65 }));
    await expect(loadLlamaModel(bad)).rejects.toThrow(VocabularyMismatchError);
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
    await expect(loadLlamaModel(bad)).rejects.toThrow(WeightsError);
    await expect(loadLlamaModel(bad)).rejects.toThrow(/layers\.2\./);
    await expect(
      loadLlamaModel(fixture('tiny-llama'), { availableBytes: 1000, onWarning: () => {} }),
    ).rejects.toThrow(ModelTooLargeError);
  });
});

describe('precomputed embeddings', () => {
  const values = JSON.parse(readFileSync(fixture('embeddings-values.json'), 'utf8'));

  it('imports numpy .npy with ids and F16 safetensors written by Python', async () => {
    const npy = await importEmbeddings(fixture('embeddings.npy'), { expectedDim: 8 });
    expect(npy.ids).toEqual(['case_00001-L', 'case_00001-R', 'case_00002-L']);
    expect(relativeError(npy.vectors, values.float32)).toBe(0);
    const st = await importEmbeddings(fixture('embeddings.safetensors'));
    expect(st.ids).toEqual(['a', 'b', 'c']);
    expect(relativeError(st.vectors, values.float16)).toBe(0);
    await expect(importEmbeddings(fixture('embeddings.npy'), { expectedDim: 4096 })).rejects.toThrow(
      EmbeddingsFileError,
    );
  });

  it.each(['out.safetensors', 'out.npy'])('round-trips through %s', async (name) => {
    const table = { ids: ['x', 'y'], dim: 3, vectors: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    await exportEmbeddings(join(dir, name), table);
    expect(await importEmbeddings(join(dir, name))).toEqual(table);
  });
});
