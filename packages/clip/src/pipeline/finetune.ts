import { tf } from 'renal-core';
import { ClassificationHead } from 'renal-resnet3d';
import type { KidneyRecord } from '../data/manifest.js';
import { AdamW } from '../train/adamw.js';
import { cosineWithWarmup } from '../train/schedule.js';
import { batchCount, evaluationRows, imageBatches } from './batches.js';
import type { PipelineConfig } from './config.js';
import type { CropCache } from './crops.js';
import { inverseFrequencyWeights, weightedCrossEntropy } from './heads.js';
import { ImageModel } from './image-model.js';
import { labelledRows, type TaskSpec, trainable } from './tasks.js';

/** Inputs of {@link finetuneClassification}. */
export interface FinetuneInputs {
  spec: TaskSpec;
  /** The encoder to start from; its weights are copied, never changed. */
  encoder: ImageModel;
  train: KidneyRecord[];
  test: KidneyRecord[];
  cache: CropCache;
  config: PipelineConfig;
  seed: number;
}

function labelledRecords(records: KidneyRecord[], spec: TaskSpec) {
  const { rows, labels } = labelledRows(records, spec.label!);
  return { records: rows.map((i) => records[i]), labels };
}

/**
 * The paper's stage 3 for one classification task: a copy of the encoder's backbone and a classification head
 * trained end to end (class-weighted cross-entropy, AdamW with a lower backbone learning rate, cosine schedule
 * with warm-up; a random phase, the config's augmentations and a left–right flip per sample), then the test
 * kidneys' class probabilities (phase A, centre crop). Undefined when a split lacks labels or classes.
 */
export async function finetuneClassification(
  inputs: FinetuneInputs,
): Promise<{ probs: number[][]; labels: number[] } | undefined> {
  const { spec, config, cache, seed } = inputs;
  const hp = config.finetune;
  const train = labelledRecords(inputs.train, spec);
  const test = labelledRecords(inputs.test, spec);
  if (!trainable(train.labels, test.labels)) return undefined;
  const labelOf = new Map(train.records.map((r, i) => [r, train.labels[i]]));
  const model = new ImageModel(config, seed);
  model.copyFrom(inputs.encoder, ['backbone']);
  const head = new ClassificationHead(
    { inFeatures: model.featureWidth, hidden: config.task.hidden, numClasses: spec.classes },
    seed + 1,
  );
  const backbone = model.backbone.trainableVariables;
  const optimizer = new AdamW(
    [{ variables: backbone, lrScale: hp.backboneLr / hp.lr }, { variables: head.trainableVariables }],
    { weightDecay: config.task.weightDecay },
  );
  const variables = [...backbone, ...head.trainableVariables];
  const weights = inverseFrequencyWeights(train.labels, spec.classes);
  const totalSteps = batchCount(train.records.length, hp.batchSize) * hp.epochs;
  let step = 0;
  try {
    for (let epoch = 0; epoch < hp.epochs; epoch++) {
      for await (const { records, x } of imageBatches(train.records, cache, config, {
        batchSize: hp.batchSize,
        phase: 'random',
        train: true,
        flip: true,
        seed: seed * 1000 + epoch,
      })) {
        const labels = records.map((r) => labelOf.get(r)!);
        const { value, grads } = tf.variableGrads(() => {
          const logits = head.apply(model.features(x, true), { training: true, checkFinite: false });
          return weightedCrossEntropy(logits, labels, weights);
        }, variables);
        optimizer.applyGradients(grads, cosineWithWarmup(step++, { baseLr: hp.lr, totalSteps }));
        tf.dispose([x, value, ...Object.values(grads)]);
      }
    }
    return { probs: await predict(model, head, test.records, cache, config), labels: test.labels };
  } finally {
    optimizer.dispose();
    head.dispose();
    model.dispose();
  }
}

async function predict(
  model: ImageModel,
  head: ClassificationHead,
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
): Promise<number[][]> {
  const rows = await evaluationRows(records, cache, config, (x) =>
    tf.softmax(head.apply(model.features(x, false), { checkFinite: false })),
  );
  return rows.map((row) => Array.from(row));
}
