import { checkpointExists, loadCheckpoint, Rng, saveCheckpoint, tensorToRaw, tf } from 'renal-core';
import { clampLogitScaleInPlace, clipLoss, createLogitScale, retrievalMetrics } from 'renal-clip-loss';
import { type KidneyRecord, PHASES } from '../data/manifest.js';
import { AdamW } from '../train/adamw.js';
import { clipByGlobalNorm } from '../train/clip-grad.js';
import { cosineWithWarmup } from '../train/schedule.js';
import { ProgressBar } from '../train/progress.js';
import { NonFiniteLossError, runStage, type StageResult } from '../train/stage.js';
import { assignParams, extractFeatures } from './features.js';
import { batchCount, evaluationRows, imageBatches } from './batches.js';
import type { ImageStageInputs } from './stage1-image.js';
import { embeddingOf, type ReportEmbeddings } from './text.js';

/** Inputs of stage 2: the image stage's inputs plus the frozen report embeddings. */
export interface AlignStageInputs extends ImageStageInputs {
  embeddings: ReportEmbeddings;
}

/** Group ids that give identical report texts the same id (so all of them count as positives). */
export function reportGroups(records: KidneyRecord[]): number[] {
  const ids = new Map<string, number>();
  return records.map((r) => {
    const key = r.report ?? `\u0000${r.id}`;
    if (!ids.has(key)) ids.set(key, ids.size);
    return ids.get(key)!;
  });
}

/** Looks up the rows of records in the embeddings (a missing id is an error naming it). */
export function embeddingRows(embeddings: ReportEmbeddings, records: KidneyRecord[]): number[] {
  const index = new Map(embeddings.ids.map((id, i) => [id, i]));
  return records.map((r) => {
    const row = index.get(r.id);
    if (row === undefined) throw new RangeError(`no text embedding for kidney "${r.id}"`);
    return row;
  });
}

/** Text embeddings `[n, dim]` of records: view 0 (the original report) or a random view per record. */
export function textMatrix(embeddings: ReportEmbeddings, records: KidneyRecord[], rng?: Rng): tf.Tensor2D {
  const rows = embeddingRows(embeddings, records);
  const data = new Float32Array(records.length * embeddings.dim);
  rows.forEach((row, i) => {
    const view = rng ? rng.int(embeddings.views) : 0;
    data.set(embeddingOf(embeddings, row, view), i * embeddings.dim);
  });
  return tf.tensor2d(data, [records.length, embeddings.dim]);
}

/**
 * Stage 2, alignment: the stage-1 backbone plus a projection head aligned to the frozen report embeddings
 * with symmetric InfoNCE (a clamped logit scale, learnt or fixed: `config.align`; identical reports as shared
 * positives), a random phase and a random report view (original or sentence shuffle) per sample, separate
 * learning rates for the backbone and for projection + scale, gradient clipping by global norm, cosine
 * schedule with 10 % warm-up; the checkpoint kept as `best` is the one with the highest validation mean
 * Recall@5. With `align.refitSteps`, `best`'s projection is then re-fitted on its frozen backbone at a fixed
 * logit scale, and the model is left holding that refitted `best`.
 */
export async function trainAlignStage(
  inputs: AlignStageInputs,
): Promise<StageResult & { logitScale: number }> {
  const { model, config, cache, embeddings } = inputs;
  const hp = config.align;
  const train = inputs.train.filter((r) => r.report);
  const logScale = createLogitScale(Math.log(hp.logitScale));
  const backbone = model.backbone.trainableVariables;
  const head = headVariables(model, logScale, hp.learnLogitScale);
  const optimizer = new AdamW(
    [
      { variables: backbone, lrScale: hp.backboneLr / hp.headLr },
      { variables: head, weightDecay: 0 },
    ],
    { beta1: 0.9, beta2: 0.98, weightDecay: hp.weightDecay },
  );
  const stepsPerEpoch = batchCount(train.length, hp.batchSize);
  const totalSteps = stepsPerEpoch * hp.epochs;
  try {
    const fresh = inputs.resume === false || !(await checkpointExists(`${inputs.dir}/last`));
    if (fresh && hp.headWarmupSteps > 0)
      await fitProjection(inputs, train, logScale, {
        name: 'stage 2 projection warm-up',
        steps: hp.headWarmupSteps,
        learnLogitScale: hp.learnLogitScale,
      });
    const result = await runStage({
      name: 'stage 2 align',
      dir: inputs.dir,
      epochs: hp.epochs,
      stepsPerEpoch,
      params: { ...model.params(['backbone', 'projection']), logit_scale: logScale },
      optimizer,
      config: { kind: 'align-stage2', pipeline: config, seed: inputs.seed },
      resume: inputs.resume,
      progress: inputs.progress,
      async trainEpoch(context) {
        let step = context.step;
        const rng = new Rng(inputs.seed * 7919 + context.epoch);
        const batches = imageBatches(train, cache, config, {
          batchSize: hp.batchSize,
          phase: 'random',
          train: true,
          seed: inputs.seed * 1000 + context.epoch,
        });
        for await (const { records, x } of batches) {
          if (records.length < 2) {
            x.dispose();
            continue;
          }
          const texts = textMatrix(embeddings, records, rng);
          const groups = reportGroups(records);
          const { value, grads } = tf.variableGrads(() => {
            const images = model.projection.apply(model.features(x, true), { checkFinite: false });
            return clipLoss(images, texts, logScale, { imageGroups: groups, textGroups: groups });
          }, [...backbone, ...head]);
          const clipped = clipByGlobalNorm(grads, hp.clipNorm);
          optimizer.applyGradients(
            clipped.grads,
            cosineWithWarmup(step++, { baseLr: hp.headLr, totalSteps }),
          );
          clampLogitScaleInPlace(logScale);
          const loss = (await value.data())[0];
          tf.dispose([x, texts, value, ...Object.values(clipped.grads)]);
          context.reportLoss(loss, { scale: Math.exp(logScale.dataSync()[0]) });
        }
      },
      validate: async () => (await alignmentRetrieval(inputs, inputs.val)).meanRecall[5],
    });
    const logitScale = Math.exp(logScale.dataSync()[0]);
    if (hp.refitSteps > 0) await refitProjection(inputs, train);
    return { ...result, logitScale };
  } finally {
    optimizer.dispose();
    logScale.dispose();
  }
}

/** What stage 2 trains besides the backbone: the projection, and the logit scale unless it is fixed. */
function headVariables(
  model: AlignStageInputs['model'],
  logScale: tf.Variable<tf.Rank.R0>,
  learnLogitScale: boolean,
): tf.Variable[] {
  return [...model.projection.trainableVariables, ...(learnLogitScale ? [logScale] : [])];
}

/**
 * Re-fits the projection on the frozen backbone of `<dir>/best` at the fixed logit scale `align.refitLogitScale`
 * for `align.refitSteps` steps, and writes it back into `best` (marked `projectionRefit` in its config, so that
 * a resumed run does not fit it twice). The backbone, and so every stage-3 feature, stays as joint training
 * left it; only the shared space that zero-shot and retrieval read changes.
 */
async function refitProjection(inputs: AlignStageInputs, train: KidneyRecord[]): Promise<void> {
  const hp = inputs.config.align;
  const bestDir = `${inputs.dir}/best`;
  if (!(await checkpointExists(bestDir))) return;
  const best = await loadCheckpoint(bestDir);
  if (best.config.projectionRefit) return;
  const { model } = inputs;
  assignParams(best, model.params(['backbone', 'projection']), bestDir);
  const logScale = createLogitScale(Math.log(hp.refitLogitScale));
  try {
    await fitProjection(inputs, train, logScale, {
      name: 'stage 2 projection refit',
      steps: hp.refitSteps,
      learnLogitScale: false,
    });
  } finally {
    logScale.dispose();
  }
  const tensors = Object.fromEntries(best.tensors);
  for (const [name, variable] of Object.entries(model.params(['projection'])))
    tensors[name] = await tensorToRaw(variable);
  await saveCheckpoint(bestDir, {
    config: {
      ...best.config,
      projectionRefit: { steps: hp.refitSteps, logitScale: hp.refitLogitScale },
    },
    tensors,
    metadata: best.metadata,
  });
}

/**
 * Fits the projection head (and the logit scale, when learnt) alone on frozen backbone features (every
 * available phase computed once, eval mode), with InfoNCE on random batches of (random phase, random report
 * view). Cheap on a CPU: before joint training it gives the backbone a projection that already points
 * somewhere sensible; after it, the refit.
 */
async function fitProjection(
  inputs: AlignStageInputs,
  train: KidneyRecord[],
  logScale: tf.Variable<tf.Rank.R0>,
  fit: { name: string; steps: number; learnLogitScale: boolean },
): Promise<void> {
  const { model, config, cache, embeddings } = inputs;
  const hp = config.align;
  const perPhase: { record: number; feature: Float32Array }[] = [];
  for (const phase of PHASES) {
    const records = train.map((r, i) => [r, i] as const).filter(([r]) => r.phases[phase]);
    if (records.length === 0) continue;
    const features = await extractFeatures(
      model,
      records.map(([r]) => r),
      cache,
      config,
      phase,
    );
    for (const [k, feature] of features.entries()) perPhase.push({ record: records[k][1], feature });
  }
  const variables = headVariables(model, logScale, fit.learnLogitScale);
  const optimizer = new AdamW([{ variables }], { beta1: 0.9, beta2: 0.98, weightDecay: hp.weightDecay });
  const rng = new Rng(inputs.seed + 31);
  const bar = new ProgressBar(fit.name, fit.steps, inputs.progress);
  const dim = perPhase[0].feature.length;
  try {
    for (let step = 0; step < fit.steps; step++) {
      const picks = rng.shuffle(perPhase.map((_, i) => i)).slice(0, hp.batchSize);
      const records = picks.map((p) => train[perPhase[p].record]);
      const groups = reportGroups(records);
      const x = tf.tensor2d(concat(picks.map((p) => perPhase[p].feature)), [picks.length, dim]);
      const texts = textMatrix(embeddings, records, rng);
      const { value, grads } = tf.variableGrads(
        () =>
          clipLoss(model.projection.apply(x, { checkFinite: false }), texts, logScale, {
            imageGroups: groups,
            textGroups: groups,
          }),
        variables,
      );
      optimizer.applyGradients(
        grads,
        cosineWithWarmup(step, { baseLr: hp.headLr * 5, totalSteps: fit.steps }),
      );
      clampLogitScaleInPlace(logScale);
      const loss = (await value.data())[0];
      tf.dispose([x, texts, value, ...Object.values(grads)]);
      if (!Number.isFinite(loss))
        throw new NonFiniteLossError(`${fit.name}: the loss became ${loss} at step ${step + 1}`);
      bar.tick({ loss });
    }
  } finally {
    optimizer.dispose();
  }
}

/** Projected image embeddings `[n, dim]` (phase A, centre crops) of records. */
export async function imageEmbeddings(
  inputs: Pick<AlignStageInputs, 'model' | 'cache' | 'config'>,
  records: KidneyRecord[],
): Promise<Float32Array[]> {
  const { model } = inputs;
  return evaluationRows(records, inputs.cache, inputs.config, (x) =>
    model.projection.apply(model.features(x, false), { checkFinite: false }),
  );
}

/** Retrieval metrics (both directions, identical reports as shared hits) of records with reports. */
export async function alignmentRetrieval(inputs: AlignStageInputs, records: KidneyRecord[]) {
  const withReports = records.filter((r) => r.report);
  const images = await imageEmbeddings(inputs, withReports);
  const dim = images[0]?.length ?? inputs.embeddings.dim;
  const imageTensor = tf.tensor2d(concat(images), [images.length, dim]);
  const texts = textMatrix(inputs.embeddings, withReports);
  const groups = reportGroups(withReports);
  try {
    return await retrievalMetrics(imageTensor, texts, {
      imageGroups: groups,
      textGroups: groups,
      ks: [1, 3, 5],
    });
  } finally {
    tf.dispose([imageTensor, texts]);
  }
}

/** Concatenates vectors into one array. */
export function concat(vectors: Float32Array[]): Float32Array {
  const dim = vectors[0]?.length ?? 0;
  const out = new Float32Array(vectors.length * dim);
  for (const [i, v] of vectors.entries()) out.set(v, i * dim);
  return out;
}
