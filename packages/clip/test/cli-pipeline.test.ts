import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from './helpers/run-cli.js';
import { writeMiniCohort } from './helpers/mini-cohort.js';

describe('renal-clip train / embed-image on a mini cohort', () => {
  let manifest = '';
  let out = '';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-pipeline-'));
    manifest = await writeMiniCohort(join(dir, 'cohort'), 8, 5);
    out = join(dir, 'run');
  });
  // TF-IDF keeps this test fast; the LLM2Vec text stage is covered by renal-llm2vec's tests and the demo.
  const common = () => [
    '--manifest',
    manifest,
    '--out',
    out,
    '--epochs',
    '1',
    '--backend',
    'wasm',
    '--text',
    'tfidf',
    '--json',
  ];

  it('trains image, text and align stages in turn, then a task head, and embeds images', async () => {
    const image = await run(['train', 'image', ...common()]);
    expect(image.code, image.err).toBe(0);
    expect(JSON.parse(image.out)).toMatchObject({ stage: 'image', epochsRun: 1 });
    const again = await run(['train', 'image', ...common()]);
    expect(JSON.parse(again.out)).toMatchObject({ epochsRun: 0, resumedFrom: 1 });

    const alignTooEarly = await run(['train', 'align', ...common()]);
    expect(alignTooEarly.err).toMatch(/no text embeddings — run `renal-clip train text` first/);

    const text = await run(['train', 'text', ...common()]);
    expect(JSON.parse(text.out)).toMatchObject({ stage: 'text', reports: 16, views: 5 });

    const align = await run(['train', 'align', ...common()]);
    expect(align.code, align.err).toBe(0);
    expect(JSON.parse(align.out).initialisedWith).toMatch(/from stage 1/);

    const task = await run(['train', 'task', ...common(), '--task', 'malignancy']);
    expect(task.code, task.err).toBe(0);
    expect(JSON.parse(task.out).tasks[0].task).toBe('malignancy');

    const file = join(out, 'emb.safetensors');
    const embed = await run([
      'embed-image',
      '--manifest',
      manifest,
      '--out',
      out,
      '--backend',
      'wasm',
      '--weights',
      join(out, 'checkpoints', 'stage2-align', 'best'),
      '--output',
      file,
    ]);
    expect(embed.code, embed.err).toBe(0);
    expect(existsSync(file)).toBe(true);
    const { tensors, metadata } = await readSafetensors(file);
    expect(tensors.get('embeddings')!.shape).toEqual([16, 128]);
    expect(JSON.parse(metadata.ids)).toHaveLength(16);
  });
});

describe('renal-clip train / eval --pretrain-manifest', () => {
  it('pretrains stages 1 and 2 on a second manifest too, and refuses one that shares a patient', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-pretraining-'));
    const manifest = await writeMiniCohort(join(dir, 'cohort'), 8, 5);
    // The same mini cohort's scans under other patient ids: a pretraining set no scored patient is in.
    const shared = await writeMiniCohort(join(dir, 'pretraining'), 4, 6);
    const renamed = readFileSync(shared, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const r = JSON.parse(line);
        return JSON.stringify({ ...r, id: `pre_${r.id}`, patientId: `pre_${r.patientId}` });
      });
    const pretraining = join(dir, 'pretraining', 'renamed.jsonl');
    writeFileSync(pretraining, `${renamed.join('\n')}\n`);
    // Small batches, so that the step counts tell how many kidneys each stage learnt from.
    const config = join(dir, 'small-batches.json');
    writeFileSync(config, JSON.stringify({ image: { batchSize: 4 }, align: { batchSize: 4 } }));
    const args = (out: string) => [
      '--manifest',
      manifest,
      '--out',
      join(dir, out),
      '--epochs',
      '1',
      '--config',
      config,
      '--backend',
      'wasm',
      '--text',
      'tfidf',
      '--json',
    ];
    const steps = (out: string, stage: string) =>
      JSON.parse(readFileSync(join(dir, out, 'checkpoints', stage, 'last', 'config.json'), 'utf8')).training
        .step;
    for (const out of ['alone', 'with']) {
      const extra = out === 'with' ? ['--pretrain-manifest', pretraining] : [];
      for (const stage of ['image', 'text', 'align']) {
        const result = await run(['train', stage, ...args(out), ...extra]);
        expect(result.code, result.err).toBe(0);
        if (stage === 'text') expect(JSON.parse(result.out).reports).toBe(out === 'with' ? 24 : 16);
      }
    }
    expect(steps('with', 'stage1-image')).toBeGreaterThan(steps('alone', 'stage1-image'));
    expect(steps('with', 'stage2-align')).toBeGreaterThan(steps('alone', 'stage2-align'));

    const leak = await run(['train', 'image', ...args('leak'), '--pretrain-manifest', shared]);
    expect(leak.code).not.toBe(0);
    expect(leak.err).toMatch(/pretraining patient ".*" is also in the cohort/);
    const missing = await run(['eval', ...args('missing'), '--pretrain-manifest', join(dir, 'nope.jsonl')]);
    expect(missing.err).toMatch(/nope\.jsonl: no such manifest/);
  }, 120_000);
});
