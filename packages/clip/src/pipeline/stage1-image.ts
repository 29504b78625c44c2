import { tf } from 'renal-core';
import { balancedClassWeights, multiTaskAttributeLoss } from 'renal-resnet3d';
import { ATTRIBUTE_CLASSES, type KidneyRecord } from '../data/manifest.js';
import { argmax } from '../metrics/classification.js';
import { AdamW } from '../train/adamw.js';
import type { ProgressSink } from '../train/progress.js';
import { cosineWithWarmup } from '../train/schedule.js';
import { runStage, type StageResult } from '../train/stage.js';
import { batchCount, evaluationRows, imageBatches } from './batches.js';
import type { PipelineConfig } from './config.js';
import type { CropCache } from './crops.js';
import type { ImageModel } from './image-model.js';

/** Inputs of a training stage on images. */
export interface ImageStageInputs {
  model: ImageModel;
  train: KidneyRecord[];
  val: KidneyRecord[];
  cache: CropCache;
  config: PipelineConfig;
  /** Checkpoint folder of the stage. */
  dir: string;
  seed: number;
  resume?: boolean;
  progress?: ProgressSink | null;
}

const UNKNOWN_ROW = ATTRIBUTE_CLASSES.map(() => -1);

/** The records' stated attributes, `[record][attribute]`; a record without any gives a row of −1 (unknown). */
export function attributeLabels(records: KidneyRecord[]): number[][] {
  return records.map((r) => r.attributes ?? UNKNOWN_ROW);
}

/**
 * Stage 1, image: the backbone and the 14 attribute heads trained on the report-derived attributes with the
 * masked, class-weighted multi-task cross-entropy; a random available phase per sample; AdamW with a cosine
 * schedule and warm-up; validation by mean attribute accuracy over known labels (selects `best`).
 */
export async function trainImageStage(inputs: ImageStageInputs): Promise<StageResult> {
  const { model, config, cache } = inputs;
  const hp = config.image;
  const classWeights = balancedClassWeights(attributeLabels(inputs.train), ATTRIBUTE_CLASSES).map((weights) =>
    weights.map((w) => Math.min(w, hp.maxClassWeight)),
  );
  const variables = [...model.backbone.trainableVariables, ...model.attributes.trainableVariables];
  const optimizer = new AdamW([{ variables }], { weightDecay: hp.weightDecay });
  const stepsPerEpoch = batchCount(inputs.train.length, hp.batchSize);
  const totalSteps = stepsPerEpoch * hp.epochs;
  try {
    return await runStage({
      name: 'stage 1 image',
      dir: inputs.dir,
      epochs: hp.epochs,
      stepsPerEpoch,
      params: model.params(['backbone', 'attributes']),
      optimizer,
      config: { kind: 'image-stage1', pipeline: config, seed: inputs.seed },
      resume: inputs.resume,
      progress: inputs.progress,
      async trainEpoch(context) {
        let step = context.step;
        const batches = imageBatches(inputs.train, cache, config, {
          batchSize: hp.batchSize,
          phase: 'random',
          train: true,
          seed: inputs.seed * 1000 + context.epoch,
        });
        for await (const { records, x } of batches) {
          const labels = attributeLabels(records);
          const { value, grads } = tf.variableGrads(() => {
            const logits = model.attributes.apply(model.features(x, true), {
              training: true,
              checkFinite: false,
            });
            return multiTaskAttributeLoss(logits, labels, classWeights);
          }, variables);
          optimizer.applyGradients(grads, cosineWithWarmup(step++, { baseLr: hp.lr, totalSteps }));
          const loss = (await value.data())[0];
          tf.dispose([x, value, ...Object.values(grads)]);
          context.reportLoss(loss);
        }
      },
      validate: () => attributeAccuracy(model, inputs.val, cache, config),
    });
  } finally {
    optimizer.dispose();
  }
}

/**
 * Each record's class probabilities per attribute, `[record][attribute][class]` (softmax of each head), from
 * phase A centre crops.
 */
export async function attributeProbabilities(
  model: ImageModel,
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
): Promise<number[][][]> {
  const rows = await evaluationRows(records, cache, config, (x) => {
    const logits = model.attributes.apply(model.features(x, false), { checkFinite: false });
    return tf.concat(
      logits.map((l) => tf.softmax(l)),
      1,
    ) as tf.Tensor2D;
  });
  const offsets = ATTRIBUTE_CLASSES.map((_, a) => ATTRIBUTE_CLASSES.slice(0, a).reduce((s, c) => s + c, 0));
  return rows.map((row) =>
    ATTRIBUTE_CLASSES.map((classes, a) => Array.from(row.subarray(offsets[a], offsets[a] + classes))),
  );
}

/** Attribute predictions `[n][14]` (argmax per head) for records, phase A, centre crops. */
export async function predictAttributes(
  model: ImageModel,
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
): Promise<number[][]> {
  const probabilities = await attributeProbabilities(model, records, cache, config);
  return probabilities.map((perAttribute) => perAttribute.map(argmax));
}

/** Mean over attributes of the accuracy on known labels (NaN-free: attributes never known are skipped). */
export async function attributeAccuracy(
  model: ImageModel,
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
): Promise<number> {
  if (records.length === 0) return 0;
  const predictions = await predictAttributes(model, records, cache, config);
  const accuracies: number[] = [];
  for (let a = 0; a < ATTRIBUTE_CLASSES.length; a++) {
    let known = 0;
    let correct = 0;
    records.forEach((r, i) => {
      const y = r.attributes?.[a] ?? -1;
      if (y < 0) return;
      known++;
      if (predictions[i][a] === y) correct++;
    });
    if (known > 0) accuracies.push(correct / known);
  }
  return accuracies.length ? accuracies.reduce((s, v) => s + v, 0) / accuracies.length : 0;
}
