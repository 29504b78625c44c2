import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from 'renal-core';
import { importEmbeddings, Llm2Vec } from 'renal-llm2vec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/run-cli.js';

const REPORTS = [
  'Findings: A 3.2 × 2.8 cm enhancing mass, left kidney.\nImpression: Suspicious for renal cell carcinoma.',
  'Findings: Simple cyst, 12 mm.\nImpression: Bosniak I, benign.',
  'Findings: Exophytic solid lesion, 45 mm.\nImpression: R.E.N.A.L. score 8a.',
];

let dir: string;
let encoder: Llm2Vec;
beforeAll(async () => {
  await initBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'cli-embed-text-'));
  encoder = await Llm2Vec.create('tiny', {
    corpus: REPORTS,
    seed: 7,
    config: {
      hiddenSize: 32,
      intermediateSize: 64,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      headDim: 8,
      numHiddenLayers: 1,
    },
  });
  await encoder.save(join(dir, 'model'));
  const lines = REPORTS.map((report, i) => JSON.stringify({ id: `case-${i}`, report }));
  await writeFile(join(dir, 'reports.jsonl'), `${lines.join('\n')}\n`);
});
afterAll(async () => {
  encoder.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe('renal-clip embed-text', () => {
  it.each(['emb.safetensors', 'emb.npy'])('writes the encoder’s embeddings with ids to %s', async (name) => {
    const out = join(dir, name);
    const { code, out: stdout } = await run([
      'embed-text',
      '--model',
      join(dir, 'model'),
      '--in',
      join(dir, 'reports.jsonl'),
      '--out',
      out,
      '--backend',
      'cpu',
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ out, count: 3, dim: 32, modelHash: await encoder.modelHash() });
    const table = await importEmbeddings(out);
    expect(table.ids).toEqual(['case-0', 'case-1', 'case-2']);
    const direct = await encoder.embed(REPORTS);
    direct.forEach((v, i) => {
      const got = table.vectors.subarray(i * 32, (i + 1) * 32);
      expect(v.reduce((s, x, k) => s + x * got[k], 0)).toBeCloseTo(1, 5);
    });
  });

  it('names the file and line of a bad input, and exits non-zero', async () => {
    await writeFile(
      join(dir, 'bad.jsonl'),
      `${JSON.stringify({ id: 'a', report: 'ok text' })}\n{"id": "b"}\n`,
    );
    const r = await run([
      'embed-text',
      '--model',
      join(dir, 'model'),
      '--in',
      join(dir, 'bad.jsonl'),
      '--out',
      join(dir, 'x.safetensors'),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/bad\.jsonl:2: field 'report' is missing or empty/);
    const missing = await run([
      'embed-text',
      '--model',
      join(dir, 'nope'),
      '--in',
      join(dir, 'reports.jsonl'),
      '--out',
      join(dir, 'y.npy'),
      '--backend',
      'cpu',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toMatch(/nope/);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
  });
});
