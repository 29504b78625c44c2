import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES } from 'renal-synth';
import {
  loadReportEmbeddings,
  type PipelineConfigOverrides,
  pipelineConfig,
  readManifest,
  runPipeline,
  splitByPatient,
  TASKS,
  taskTable,
} from '../src/index.js';
import { writeMiniCohort } from './helpers/mini-cohort.js';

beforeAll(async () => {
  await initBackend(process.env.RENAL_BACKEND === 'wasm' ? 'wasm' : 'cpu');
});

/** Run options for plumbing tests: a few-voxel crop, narrow widths, one epoch, TF-IDF text, few resamples. */
function plumbing(outDir: string, overrides: PipelineConfigOverrides = {}) {
  const config = pipelineConfig('tiny', {
    cacheShape: [10, 36, 36],
    inputShape: [8, 32, 32],
    widths: [4, 4, 4, 4],
    embedDim: 8,
    image: { epochs: 1, batchSize: 8 },
    align: { epochs: 1, batchSize: 8, headWarmupSteps: 2, refitSteps: 0 },
    task: { epochs: 2, batchSize: 16, hidden: 4 },
    dataEfficiency: { fractions: [1], seeds: 1 },
    bootstrap: 10,
    ...overrides,
  });
  return {
    outDir,
    config,
    seed: 2,
    progress: null,
    log: () => {},
    promptDraws: 5,
    text: { kind: 'tfidf' as const },
  };
}

describe('the pipeline end to end on a tiny cohort', () => {
  it('trains every stage, evaluates the ten tasks and writes the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
    const records = readManifest(await writeMiniCohort(join(dir, 'cohort'), 16));
    const config = pipelineConfig('tiny', {
      boxMm: [50, 50, 50],
      cacheShape: [10, 36, 36],
      inputShape: [8, 32, 32],
      downstreamWholeDepth: true,
      widths: [4, 8, 8, 8],
      embedDim: 16,
      image: { epochs: 1, batchSize: 8, lr: 1e-3, weightDecay: 0.005, maxClassWeight: 3 },
      align: {
        epochs: 1,
        batchSize: 8,
        backboneLr: 1e-4,
        headLr: 1e-3,
        weightDecay: 0.01,
        clipNorm: 1,
        headWarmupSteps: 5,
        refitSteps: 5,
      },
      task: { epochs: 3, batchSize: 16, lr: 1e-3, weightDecay: 0.01, hidden: 8 },
      finetune: { epochs: 1, batchSize: 8, lr: 1e-3, backboneLr: 1e-4 },
      dataEfficiency: { fractions: [0.5, 1], seeds: 1 },
      bootstrap: 20,
    });
    const out = join(dir, 'out');
    const { results, paths } = await runPipeline({
      records,
      outDir: out,
      config,
      seed: 3,
      progress: null,
      log: () => {},
      promptDraws: 20,
      fusion: true,
      finetune: true,
    });
    expect(existsSync(join(out, 'checkpoints', 'stage1-image', 'last', 'weights.safetensors'))).toBe(true);
    // Stage 3's own crops (the box resized to the input's 8 slices) beside pre-training's (10 slices).
    const cached = readdirSync(join(out, 'cache')).filter((f) => f.endsWith('.u16'));
    const sizes = new Set(cached.map((f) => statSync(join(out, 'cache', f)).size));
    expect(sizes).toEqual(new Set([10 * 36 * 36 * 2, 8 * 36 * 36 * 2]));
    const alignBest = join(out, 'checkpoints', 'stage2-align', 'best', 'config.json');
    expect(JSON.parse(readFileSync(alignBest, 'utf8')).projectionRefit).toEqual({ steps: 5, logitScale: 10 });
    const refitNote = 'Stage 2 ended with a projection refit: 5 steps';
    expect(results.notes.some((n) => n.startsWith(refitNote))).toBe(true);
    // Classification tasks fine-tuned end to end for every encoder; survival from frozen features.
    for (const encoder of ['scratch', 'stage1', 'renalclip'])
      expect(results.tasks.some((t) => t.task === 'malignancy' && t.encoder === encoder)).toBe(true);
    expect(results.notes.some((n) => n.includes('fine-tuned end to end'))).toBe(true);
    // The report-attribute reference: heads on the kidneys' own report attributes, scored like the encoders.
    const reference = results.tasks.filter((t) => t.encoder === 'reports').map((t) => t.task);
    expect(reference).toContain('malignancy');
    expect(reference.every((task) => TASKS.some((t) => t.name === task))).toBe(true);
    expect(taskTable(results)[0].at(-1)).toBe('report attributes (reference)');
    const order = TASKS.map((t) => t.name);
    const rows = results.tasks.filter((t) => t.encoder === 'renalclip').map((t) => order.indexOf(t.task));
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    // Stage 1's attribute heads scored per attribute on the test kidneys whose report states it.
    expect(results.attributes.map((a) => a.attribute)).toEqual(ATTRIBUTES.map((a) => a.name));
    const { test } = splitByPatient(records, { seed: 3 });
    const stated = (a: number) => test.filter((r) => (r.attributes?.[a] ?? -1) >= 0).length;
    expect(results.attributes.map((a) => a.n)).toEqual(ATTRIBUTES.map((_, a) => stated(a)));
    expect(results.attributes[0].balancedAccuracy.value).toBeGreaterThanOrEqual(0);
    expect(readFileSync(paths.markdown, 'utf8')).toContain('## Stage 1: the 14 report attributes');
    expect(results.retrieval).toHaveLength(3);
    expect(results.reportGeneration).toHaveLength(3);
    expect(results.zeroShot.length).toBeGreaterThan(0);
    // Data efficiency: every encoder × fraction for all ten tasks (NaN where a subset lacks a class or events).
    expect(new Set(results.dataEfficiency.map((p) => p.task))).toEqual(new Set(TASKS.map((t) => t.name)));
    expect(results.dataEfficiency).toHaveLength(3 * 2 * TASKS.length);
    // The text side's ceiling: the prompts scored on the true reports' embeddings, two scorings per task.
    const ceiling = results.zeroShot.filter((z) => z.task === 'malignancy' && z.source === 'report');
    expect(ceiling.map((z) => z.mode).sort()).toEqual(['max-similarity', 'mean-prototype']);
    expect(results.qualityBar.find((q) => q.name === 'zero-shot malignancy AUC')?.value).toBe(
      results.zeroShot.find(
        (z) => z.task === 'malignancy' && z.mode === 'mean-prototype' && z.source === 'image',
      )?.auc.value,
    );
    const written = JSON.parse(readFileSync(paths.json, 'utf8'));
    expect(written.cohort.kidneys).toBe(32);
    // The effective config is written for reproduction, and the report says how it departs from the preset.
    expect(written.config).toEqual(config);
    expect(results.notes).toContainEqual(
      expect.stringMatching(
        /^Config: the tiny preset with cacheShape \[10,36,36\], inputShape \[8,32,32\], downstreamWholeDepth true, boxMm \[50,50,50\], widths \[4,8,8,8\], embedDim 16, /,
      ),
    );
    expect(readFileSync(paths.html, 'utf8')).toContain('<svg');
    if (process.env.SHOW_REPORT) console.log(readFileSync(paths.markdown, 'utf8'));
  });
});

describe('the pipeline on a cohort without report attributes (as KiTS)', () => {
  it('leaves out the attribute table and the reference column, and still generates reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-no-attributes-'));
    const records = readManifest(await writeMiniCohort(join(dir, 'cohort'), 10)).map(
      ({ attributes: _, ...record }) => record,
    );
    const { results, paths } = await runPipeline({
      ...plumbing(join(dir, 'out')),
      records,
    });
    expect(results.attributes).toEqual([]);
    expect(results.tasks.some((t) => t.encoder === 'reports')).toBe(false);
    expect(readFileSync(paths.markdown, 'utf8')).not.toContain('## Stage 1: the 14 report attributes');
    // The attribute-based report generation still reads stage 1's predictions for every test kidney.
    expect(results.reportGeneration).toHaveLength(3);
  });
});

describe('the pipeline with a pretraining-only cohort', () => {
  it('pretrains stages 1 and 2 on it too, and scores the tasks on the cohort alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-pretraining-'));
    const records = readManifest(await writeMiniCohort(join(dir, 'cohort'), 10));
    const pretrainRecords = records.map((r) => ({
      ...r,
      id: `pre_${r.id}`,
      patientId: `pre_${r.patientId}`,
    }));
    const run = (pretraining: typeof records | undefined, out: string) =>
      runPipeline({
        ...plumbing(join(dir, out), { image: { epochs: 1, batchSize: 4 } }),
        records,
        pretrainRecords: pretraining,
        pretrainSource: 'the same scans, renamed',
        skipDataEfficiency: true,
      });
    const { results, paths } = await run(pretrainRecords, 'with');
    const { results: alone } = await run(undefined, 'without');
    expect(results.cohort.pretraining).toEqual({
      patients: 10,
      kidneys: 20,
      source: 'the same scans, renamed',
    });
    expect(alone.cohort.pretraining).toBeUndefined();
    expect(readFileSync(paths.markdown, 'utf8')).toContain(
      'Pretraining only (stages 1 and 2): the same scans, renamed — 10 patients, 20 kidneys.',
    );
    // Stage 1 took one step per batch of 4 over the training split and the 20 pretraining kidneys.
    const steps = (out: string, stage = 'stage1-image') =>
      JSON.parse(readFileSync(join(dir, out, 'checkpoints', stage, 'last', 'config.json'), 'utf8')).training
        .step;
    const train = results.cohort.train;
    expect(steps('with')).toBe(Math.ceil((train + 20) / 4));
    expect(steps('without')).toBe(Math.ceil(train / 4));
    expect(steps('with', 'stage2-align')).toBeGreaterThan(steps('without', 'stage2-align'));
    // Stage 2 needs the pretraining reports' embeddings, so they are in the run's embedding file.
    const ids = (await loadReportEmbeddings(join(dir, 'with', 'text-embeddings.safetensors'))).ids;
    expect(ids.filter((id) => id.startsWith('pre_'))).toHaveLength(
      pretrainRecords.filter((r) => r.report).length,
    );
    // Stage 3 and every evaluation read the cohort alone: the same test kidneys, the same report-attribute rows.
    const reference = (r: typeof results) => r.tasks.filter((t) => t.encoder === 'reports');
    expect(reference(results)).toEqual(reference(alone));
    expect(results.retrieval[0].candidates).toBe(alone.retrieval[0].candidates);
  });
});

describe('seeded training', () => {
  it('stage 1 image gives the same losses and weights for the same seed', async () => {
    const { ImageModel, CropCache, cropGeometry, splitByPatient, trainImageStage } = await import(
      '../src/index.js'
    );
    const dir = mkdtempSync(join(tmpdir(), 'seeded-'));
    const records = readManifest(await writeMiniCohort(join(dir, 'cohort'), 8));
    const config = pipelineConfig('tiny', {
      cacheShape: [10, 36, 36],
      inputShape: [8, 32, 32],
      widths: [4, 4, 4, 4],
      image: { epochs: 2, batchSize: 4, lr: 1e-3, weightDecay: 0.005, maxClassWeight: 3 },
    });
    const splits = splitByPatient(records, { seed: 1 });
    const cache = new CropCache(join(dir, 'cache'), cropGeometry(config));
    const train = async (name: string) => {
      const model = new ImageModel(config, 4);
      const run = await trainImageStage({
        model,
        train: splits.train,
        val: splits.val,
        cache,
        config,
        dir: join(dir, name),
        seed: 4,
        progress: null,
      });
      const weights = await model.params(['backbone'])['backbone.conv1.weight'].data();
      model.dispose();
      return { losses: run.losses, weights: Array.from(weights) };
    };
    const first = await train('a');
    const second = await train('b');
    expect(second.losses).toEqual(first.losses);
    expect(second.weights).toEqual(first.weights);
  });
});

describe('stage 1 text with LLM2Vec', () => {
  it('trains the tiny encoder with MNTP and SimCSE, embeds reports, and reloads it', async () => {
    const { trainLlm2VecText, embedReports, pipelineConfig: config } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'llm2vec-'));
    const reports = [
      'Findings: solid enhancing mass. Impression: suspicious for renal cell carcinoma.',
      'Findings: simple cyst. Impression: benign cyst.',
      'Findings: fat-containing lesion. Impression: angiomyolipoma.',
      'Findings: no renal mass. Impression: normal kidney.',
    ];
    const cfg = config('tiny');
    cfg.text = { ...cfg.text, mntpSteps: 2, simcseSteps: 2, batchSize: 2 };
    const encoder = await trainLlm2VecText({
      reports,
      vocabulary: reports,
      config: cfg,
      dir,
      seed: 1,
      progress: null,
    });
    const embeddings = await embedReports(encoder, ['a', 'b', 'c', 'd'], reports, 2, 0);
    expect([embeddings.views, embeddings.dim]).toEqual([3, encoder.dim]);
    const first = embeddings.data.subarray(0, encoder.dim);
    expect(Math.hypot(...first)).toBeCloseTo(1, 4);
    const again = await trainLlm2VecText({
      reports,
      vocabulary: reports,
      config: cfg,
      dir,
      seed: 1,
      progress: null,
    });
    const [v] = await again.embed([reports[0]]);
    for (let i = 0; i < 8; i++) expect(v[i]).toBeCloseTo(first[i], 4);
  });
});
