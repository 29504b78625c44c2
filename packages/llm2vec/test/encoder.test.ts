import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertNoLeaks, initBackend } from 'renal-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  Llm2Vec,
  Llm2VecError,
  LlamaModel,
  randomHostWeights,
  VocabularyMismatchError,
  weightsFromHost,
} from '../src/index.js';
import { REPORTS } from './corpus.js';

const small = {
  hiddenSize: 32,
  intermediateSize: 64,
  numAttentionHeads: 4,
  numKeyValueHeads: 2,
  headDim: 8,
  numHiddenLayers: 1,
};
let encoder: Llm2Vec;
let dir: string;

beforeAll(async () => {
  await initBackend('cpu');
  encoder = await Llm2Vec.create('tiny', { corpus: REPORTS, seed: 3, config: small });
  dir = mkdtempSync(join(tmpdir(), 'llm2vec-enc-'));
});
afterAll(() => {
  encoder.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i], 0);

describe('Llm2Vec', () => {
  it('prunes the vocabulary to the corpus and keeps the mapping to Llama-3 ids', () => {
    const map = encoder.vocabMap!;
    expect(map.size).toBeLessThan(300);
    expect(encoder.model.config.vocabSize).toBe(map.size);
    const ids = encoder.tokenizer.encode(REPORTS[2]);
    const modelIds = ids.map((id) => map.toModel(id));
    expect(encoder.tokenizer.decode(modelIds.map((id) => map.toOriginal(id)))).toBe(REPORTS[2]);
    expect(map.has(encoder.tokenizer.tokenToId('_')!)).toBe(true);
    expect(map.has(128009)).toBe(true);
  });

  it('wraps texts in the Llama-3 prompt, pads left with EOS, and excludes instruction tokens from pooling', () => {
    const p = encoder.tokenize(['renal mass', REPORTS[0]], 'Represent the report: ');
    const { batch, poolMask } = p;
    const orig = (i: number) => encoder.vocabMap!.toOriginal(batch.inputIds[i]);
    const T = batch.seqLen;
    expect(orig(0)).toBe(128001); // pad = eos, on the left
    expect(batch.attentionMask[0]).toBe(0);
    expect(orig(T - 1)).toBe(128009); // <|eot_id|> closes every row
    const row0 = Array.from(poolMask.subarray(0, T));
    expect(row0.filter((v) => v === 1)).toHaveLength(encoder.tokenizer.encode('renal mass').length);
    expect(orig(T + (T - p.batch.seqLen))).toBe(128000);
  });

  it('embeds to unit vectors, independent of batch size and order', async () => {
    await assertNoLeaks(async () => {
      const a = await encoder.embed(REPORTS, { batchSize: 3 });
      const b = await encoder.embed([...REPORTS].reverse(), { batchSize: 8 });
      for (let i = 0; i < REPORTS.length; i++) {
        expect(a[i]).toBeInstanceOf(Float32Array);
        expect(dot(a[i], a[i])).toBeCloseTo(1, 5);
        expect(dot(a[i], b[REPORTS.length - 1 - i])).toBeCloseTo(1, 5);
      }
    }, 'embed');
  });

  it('serves a second embed() from the on-disk cache without running the model', async () => {
    const cacheDir = join(dir, 'cache');
    const first = await encoder.embed(REPORTS.slice(0, 4), { cacheDir });
    const spy = vi.spyOn(encoder.model, 'forward');
    const second = await encoder.embed(REPORTS.slice(0, 4), { cacheDir });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(second).toEqual(first);
  });

  it('refuses empty strings, truncates long texts with one warning, and checks the vocabulary size', async () => {
    await expect(encoder.embed(['fine', '  '])).rejects.toThrow(Llm2VecError);
    await expect(encoder.embed(['fine', '  '])).rejects.toThrow(/text 1 is empty/);
    const warn = vi.fn();
    const short = new Llm2Vec(encoder.model, encoder.tokenizer, { maxLength: 16 }, encoder.vocabMap, warn);
    const long = REPORTS.join(' ');
    const [v] = await short.embed([long, long.slice(5)]);
    expect(v).toHaveLength(32);
    expect(warn.mock.calls.filter(([m]) => /truncated/.test(m))).toHaveLength(1);
    expect(short.tokenize([long]).batch.seqLen).toBe(16);
    const unknown = vi.fn();
    const pruned = new Llm2Vec(encoder.model, encoder.tokenizer, {}, encoder.vocabMap, unknown);
    pruned.tokenize(['zebra giraffe okapi', 'zebra again']);
    expect(unknown).toHaveBeenCalledTimes(1);
    expect(unknown).toHaveBeenCalledWith(expect.stringMatching(/outside the pruned vocabulary/));
    const cfg = { ...encoder.model.config, vocabSize: 50 };
    const wrong = new LlamaModel(
      cfg,
      weightsFromHost(
        randomHostWeights(cfg, (n) => new Float32Array(n)),
        cfg,
      ),
    );
    expect(() => new Llm2Vec(wrong, encoder.tokenizer)).toThrow(VocabularyMismatchError);
    wrong.dispose();
  });

  it('saves and loads to the same embeddings', async () => {
    await encoder.save(join(dir, 'saved'));
    const again = await Llm2Vec.load(join(dir, 'saved'));
    const [a] = await encoder.embed([REPORTS[1]]);
    const [b] = await again.embed([REPORTS[1]]);
    expect(dot(a, b)).toBeCloseTo(1, 6);
    expect(await again.modelHash()).toBe(await encoder.modelHash());
    again.dispose();
  });

  it('prunes a full-vocabulary checkpoint on load and embeds the corpus exactly as before', async () => {
    const full = await Llm2Vec.create('tiny', { seed: 5, config: small });
    expect(full.model.config.vocabSize).toBe(128256);
    await full.save(join(dir, 'full'));
    const pruned = await Llm2Vec.load(join(dir, 'full'), { pruneToCorpus: REPORTS });
    expect(pruned.model.config.vocabSize).toBe(pruned.vocabMap!.size);
    const a = await full.embed(REPORTS.slice(0, 3));
    const b = await pruned.embed(REPORTS.slice(0, 3));
    a.forEach((v, i) => {
      expect(dot(v, b[i])).toBeCloseTo(1, 5);
    });
    full.dispose();
    pruned.dispose();
  });
});
