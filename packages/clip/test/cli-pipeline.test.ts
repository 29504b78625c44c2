import { existsSync, mkdtempSync } from 'node:fs';
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
