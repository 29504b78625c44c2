import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { pretrainingRecords, splitByPatient } from '../../data/splits.js';
import { emptyResults, ENCODER_LABELS, type EncoderName } from '../../report/results.js';
import { formatEstimate, textTable } from '../../report/write.js';
import { CropCache, cropGeometry, downstreamCrops } from '../../pipeline/crops.js';
import { extractFeatures, loadImageWeights, loadParams } from '../../pipeline/features.js';
import { ImageModel } from '../../pipeline/image-model.js';
import { buildTextEmbeddings } from '../../pipeline/run.js';
import { trainImageStage } from '../../pipeline/stage1-image.js';
import { trainAlignStage } from '../../pipeline/stage2-align.js';
import { evaluateTasks } from '../../pipeline/tasks.js';
import { loadReportEmbeddings } from '../../pipeline/text.js';
import { CliError, emit } from '../command.js';
import {
  addPipelineOptions,
  configFrom,
  loadCohort,
  loadPretraining,
  type PipelineCliOptions,
  seedFrom,
  startBackend,
  textModeFrom,
} from '../pipeline-options.js';

async function setUp(options: PipelineCliOptions) {
  const config = configFrom(options);
  const seed = seedFrom(options);
  const backend = await startBackend(options);
  const { records, source } = await loadCohort(options);
  const splits = splitByPatient(records, { seed });
  const pretraining = loadPretraining(options);
  // What stages 1 and 2 learn from: the training split, and the pretraining-only cohort if given.
  const pretrain = pretrainingRecords(splits, pretraining?.pretrainRecords);
  const cache = new CropCache(join(options.out, 'cache'), cropGeometry(config));
  return { backend, records, source, config, seed, splits, pretraining, pretrain, cache };
}

const stage1Dir = (out: string) => join(out, 'checkpoints', 'stage1-image');
const stage2Dir = (out: string) => join(out, 'checkpoints', 'stage2-align');

async function trainImage(options: PipelineCliOptions): Promise<void> {
  const s = await setUp(options);
  const model = new ImageModel(s.config, s.seed);
  const run = await trainImageStage({
    ...s,
    model,
    train: s.pretrain,
    val: s.splits.val,
    dir: stage1Dir(options.out),
    resume: options.resume,
  });
  model.dispose();
  const result = {
    stage: 'image',
    backend: s.backend,
    checkpoint: join(stage1Dir(options.out), 'best'),
    ...run,
  };
  emit(result, options, () =>
    [
      `stage 1 image on ${s.backend}: ${run.epochsRun} epoch(s) run (resumed from ${run.resumedFrom}), last loss ${run.lastLoss.toFixed(4)}`,
      `best validation attribute accuracy ${run.bestScore.toFixed(3)} at epoch ${run.bestEpoch} → ${result.checkpoint}`,
    ].join('\n'),
  );
}

async function trainText(options: PipelineCliOptions): Promise<void> {
  const s = await setUp(options);
  const results = emptyResults('', s.config.preset, s.seed);
  const { embeddings } = await buildTextEmbeddings(
    {
      records: s.records,
      ...s.pretraining,
      outDir: options.out,
      config: s.config,
      seed: s.seed,
      text: textModeFrom(options),
    },
    s.splits,
    results,
  );
  const file = join(options.out, 'text-embeddings.safetensors');
  const result = {
    stage: 'text',
    file,
    reports: embeddings.ids.length,
    views: embeddings.views,
    dim: embeddings.dim,
    notes: results.notes,
  };
  emit(
    result,
    options,
    () =>
      `stage 1 text: ${result.reports} reports × ${result.views} views × ${result.dim}-d → ${file}\n${results.notes.join('\n')}`,
  );
}

async function trainAlign(options: PipelineCliOptions & { imageWeights?: string }): Promise<void> {
  const s = await setUp(options);
  const textFile = options.textEmbeddings ?? join(options.out, 'text-embeddings.safetensors');
  if (!existsSync(textFile))
    throw new CliError(
      `${textFile}: no text embeddings — run \`renal-clip train text\` first or pass --text-embeddings`,
    );
  const embeddings = await loadReportEmbeddings(textFile);
  const model = new ImageModel({ ...s.config, embedDim: embeddings.dim }, s.seed + 10);
  let loaded: string;
  if (options.imageWeights) loaded = (await loadImageWeights(model, options.imageWeights)).description;
  else {
    const n = await loadParams(join(stage1Dir(options.out), 'best'), model.params(['backbone']));
    if (n === 0)
      throw new CliError(
        `${stage1Dir(options.out)}/best: no stage-1 checkpoint — run \`renal-clip train image\` first`,
      );
    loaded = `${n} backbone tensors from stage 1`;
  }
  const run = await trainAlignStage({
    ...s,
    model,
    embeddings,
    train: s.pretrain,
    val: s.splits.val,
    dir: stage2Dir(options.out),
    resume: options.resume,
  });
  model.dispose();
  const result = {
    stage: 'align',
    backend: s.backend,
    initialisedWith: loaded,
    checkpoint: join(stage2Dir(options.out), 'best'),
    ...run,
  };
  emit(result, options, () =>
    [
      `stage 2 align on ${s.backend} (initialised with ${loaded}): ${run.epochsRun} epoch(s), last loss ${run.lastLoss.toFixed(4)}, logit scale ${run.logitScale.toFixed(2)}`,
      `best validation mean Recall@5 ${run.bestScore.toFixed(3)} at epoch ${run.bestEpoch} → ${result.checkpoint}`,
    ].join('\n'),
  );
}

async function trainTask(options: PipelineCliOptions & { encoder: string; task?: string }): Promise<void> {
  const s = await setUp(options);
  const encoder = options.encoder as EncoderName;
  if (!(encoder in ENCODER_LABELS))
    throw new CliError(`--encoder must be scratch, stage1 or renalclip, got "${options.encoder}"`);
  const model = new ImageModel(s.config, s.seed + (encoder === 'scratch' ? 20 : 10));
  if (encoder !== 'scratch') {
    const dir = encoder === 'stage1' ? stage1Dir(options.out) : stage2Dir(options.out);
    if ((await loadParams(join(dir, 'best'), model.params(['backbone']))) === 0) {
      throw new CliError(
        `${dir}/best: no checkpoint for the ${ENCODER_LABELS[encoder]} encoder — train it first`,
      );
    }
  }
  // Stage 3's own crop geometry (the paper resizes the box to the input's depth downstream).
  const { cache: tasksCache, config: tasksConfig } = downstreamCrops(s.cache, s.config);
  const train = {
    records: s.splits.train,
    features: await extractFeatures(model, s.splits.train, tasksCache, tasksConfig),
  };
  const test = {
    records: s.splits.test,
    features: await extractFeatures(model, s.splits.test, tasksCache, tasksConfig),
  };
  model.dispose();
  const evaluation = evaluateTasks(encoder, train, test, s.config.task, {
    seed: s.seed,
    bootstrap: s.config.bootstrap,
  });
  const rows = evaluation.rows.filter(
    (r) => !options.task || r.task.toLowerCase() === options.task.toLowerCase(),
  );
  if (rows.length === 0)
    throw new CliError(
      `no task named "${options.task}" could be scored (R, E, N, A, L, malignancy, aggressiveness, RFS, DSS, OS)`,
    );
  emit({ encoder, tasks: rows }, options, () =>
    textTable([
      ['task', 'n', 'AUC', 'PR-AUC', 'F1', 'sensitivity', 'specificity', 'C-index'],
      ...rows.map((r) => [
        r.task,
        String(r.n),
        ...['auc', 'prAuc', 'f1', 'sensitivity', 'specificity', 'cIndex'].map((k) =>
          formatEstimate(r.metrics[k]),
        ),
      ]),
    ]),
  );
}

/** `renal-clip train image|text|align|task`: one stage of the pipeline, resumable from its checkpoints. */
export function registerTrain(program: Command): void {
  const train = program.command('train').description('train one stage: image, text, align or task');
  addPipelineOptions(
    train
      .command('image')
      .description('stage 1 image: ResNet3D on the 14 report-derived attributes (masked, class-weighted)'),
  ).action(trainImage);
  addPipelineOptions(
    train
      .command('text')
      .description(
        'stage 1 text: build the text encoder and embed every report (original + 4 sentence shuffles)',
      ),
  ).action(trainText);
  addPipelineOptions(
    train
      .command('align')
      .description('stage 2: align the stage-1 image encoder to the frozen text embeddings (InfoNCE)'),
  )
    .option(
      '--text-embeddings <file>',
      'precomputed report embeddings (safetensors: "embeddings" + metadata "ids")',
    )
    .option(
      '--image-weights <path>',
      'start from these image weights (checkpoint folder or PyTorch safetensors) instead of stage 1',
    )
    .action(trainAlign);
  addPipelineOptions(
    train
      .command('task')
      .description("stage 3: heads for the ten tasks on an encoder's features, scored on the test split"),
  )
    .option('--encoder <name>', 'scratch, stage1 or renalclip', 'renalclip')
    .option('--task <name>', 'only this task (R, E, N, A, L, malignancy, aggressiveness, RFS, DSS, OS)')
    .action(trainTask);
}
