import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32ToRaw, writeSafetensors } from 'renal-core';
import { expandPrompts } from 'renal-clip-loss';
import { describe, expect, it } from 'vitest';
import {
  chanceRecall,
  EmbeddingFileError,
  type KidneyRecord,
  loadReportEmbeddings,
  mostCommonReport,
  retrieval,
  saveReportEmbeddings,
  textVocabulary,
  ZERO_SHOT_TASKS,
} from '../src/index.js';

const unit = (...v: number[]) => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};
const record = (id: string, report: string): KidneyRecord => ({
  id,
  patientId: id,
  side: 'L',
  phases: { A: '/x' },
  report,
});

describe('retrieval', () => {
  it('counts identical reports as hits and gives the chance level', () => {
    const records = [record('a', 'cyst'), record('b', 'carcinoma'), record('c', 'cyst'), record('d', 'fat')];
    const texts = [unit(1, 0, 0), unit(0, 1, 0), unit(1, 0, 0), unit(0, 0, 1)];
    // Image b looks like a cyst (a miss at rank 1); image c is nearest to report a — the same text: a hit.
    const images = [unit(1, 0.1, 0), unit(1, 0, 0.2), unit(1, 0, 0), unit(0, 0, 1)];
    const { rows, examples } = retrieval(records, images, texts, 2);
    const i2t = rows.find((r) => r.direction === 'image→text')!;
    expect(i2t.r1).toBeCloseTo(3 / 4);
    expect(i2t.r3).toBeCloseTo(3 / 4); // b's own report ranks last of four
    expect(i2t.r5).toBe(1);
    expect(examples[0].retrieved[0].correct).toBe(true);
    // chance R@1 with 4 candidates: (2/4 + 1/4 + 2/4 + 1/4) / 4
    expect(chanceRecall([2, 1, 2, 1], 4, 1)).toBeCloseTo(0.375);
    expect(chanceRecall([1], 10, 5)).toBeCloseTo(0.5);
  });

  it('picks the most common report, or the medoid when all are unique', () => {
    expect(mostCommonReport(['x', 'y', 'x'], [unit(1, 0), unit(0, 1), unit(1, 0)])).toBe('x');
    expect(mostCommonReport(['x', 'y', 'z'], [unit(1, 0), unit(1, 1), unit(0, 1)])).toBe('y');
  });
});

describe('report embeddings on disk', () => {
  it('round-trips and accepts [n, dim] files written elsewhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emb-'));
    const data = Float32Array.from([1, 0, 0, 1, 0.6, 0.8, 1, 0]);
    await saveReportEmbeddings(join(dir, 'a.safetensors'), { ids: ['k1', 'k2'], views: 2, dim: 2, data });
    const back = await loadReportEmbeddings(join(dir, 'a.safetensors'));
    expect(back.ids).toEqual(['k1', 'k2']);
    expect(Array.from(back.data)).toEqual(Array.from(data).map((v) => Math.fround(v)));
    await writeSafetensors(
      join(dir, 'b.safetensors'),
      { embeddings: float32ToRaw(Float32Array.from([3, 4]), [1, 2]) },
      { ids: '["k1"]' },
    );
    const plain = await loadReportEmbeddings(join(dir, 'b.safetensors'));
    expect(plain.views).toBe(1);
    expect(Array.from(plain.data)).toEqual([0.6000000238418579, 0.800000011920929]);
  });

  it('names the problem of a bad file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emb-'));
    await writeSafetensors(
      join(dir, 'c.safetensors'),
      { other: float32ToRaw(Float32Array.from([1]), [1, 1]) },
      {},
    );
    await expect(loadReportEmbeddings(join(dir, 'c.safetensors'))).rejects.toThrow(
      /no tensor named "embeddings"/,
    );
    await writeSafetensors(
      join(dir, 'd.safetensors'),
      { embeddings: float32ToRaw(Float32Array.from([1, 2]), [2, 1]) },
      { ids: '["one"]' },
    );
    await expect(loadReportEmbeddings(join(dir, 'd.safetensors'))).rejects.toThrow(EmbeddingFileError);
    await expect(loadReportEmbeddings(join(dir, 'missing.safetensors'))).rejects.toThrow(EmbeddingFileError);
  });
});

describe('textVocabulary', () => {
  it('is the reports, then every prompt of every zero-shot task', () => {
    const prompts = ZERO_SHOT_TASKS.flatMap((t) => expandPrompts(t.prompts).flat());
    expect(prompts.length).toBe(2 * 2 * 20 * 5);
    expect(textVocabulary(['report one', 'report two'])).toEqual(['report one', 'report two', ...prompts]);
  });
});
