import { existsSync, statSync } from 'node:fs';
import {
  type Checkpoint,
  checkpointExists,
  loadCheckpoint,
  rawToTensor,
  readSafetensors,
  type tf,
} from 'renal-core';
import { importTorchStateDict } from 'renal-resnet3d';
import { ATTRIBUTE_CLASSES, type KidneyRecord, type Phase } from '../data/manifest.js';
import { evaluationRows } from './batches.js';
import type { PipelineConfig } from './config.js';
import type { CropCache } from './crops.js';
import { CENTRE_VIEW_PREFIX, type ImageModel } from './image-model.js';

/** Pooled backbone features (eval mode, centre crop) of records in one phase (A by default). */
export async function extractFeatures(
  model: ImageModel,
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
  phase: Phase = 'A',
): Promise<Float32Array[]> {
  return evaluationRows(records, cache, config, (x) => model.features(x, false), phase);
}

/**
 * Each kidney's own report attributes as a feature row: the 14 attributes one-hot, side by side (60 values;
 * an unknown attribute, or a record without attributes, is all zeros). Task heads trained on these rows are a
 * reference for report-derived supervision: what an image encoder that read every report perfectly off the
 * scan would score on the tasks the reports describe.
 */
export function reportAttributeFeatures(records: KidneyRecord[]): Float32Array[] {
  const width = ATTRIBUTE_CLASSES.reduce((s, c) => s + c, 0);
  return records.map((record) => {
    const row = new Float32Array(width);
    let offset = 0;
    ATTRIBUTE_CLASSES.forEach((classes, a) => {
      const value = record.attributes?.[a] ?? -1;
      if (value >= 0 && value < classes) row[offset + value] = 1;
      offset += classes;
    });
    return row;
  });
}

/**
 * Loads the tensors of a checkpoint folder into named variables (those the checkpoint lacks are left as they
 * are; a shape mismatch is an error naming the tensor). Returns how many were loaded.
 */
export async function loadParams(dir: string, params: Record<string, tf.Variable>): Promise<number> {
  if (!(await checkpointExists(dir))) return 0;
  return assignParams(await loadCheckpoint(dir), params, dir);
}

/**
 * {@link loadParams} for a checkpoint already read: assigns its tensors to the named variables it holds (a
 * shape mismatch is an error naming `source` and the tensor). Returns how many were assigned.
 */
export function assignParams(
  checkpoint: Checkpoint,
  params: Record<string, tf.Variable>,
  source: string,
): number {
  let loaded = 0;
  for (const [name, variable] of Object.entries(params)) {
    const raw = checkpoint.tensors.get(name);
    if (!raw) continue;
    if (raw.shape.join() !== variable.shape.join()) {
      throw new RangeError(
        `${source}: "${name}" has shape [${raw.shape}] but the model needs [${variable.shape}]`,
      );
    }
    const value = rawToTensor(raw);
    variable.assign(value);
    value.dispose();
    loaded++;
  }
  return loaded;
}

/**
 * Loads image-encoder weights trained elsewhere into a model: a renal-clip checkpoint folder (our names), or
 * a PyTorch state dict saved as safetensors (official RenalCLIP, MedicalNet: `conv1.weight`, `layer1.0…`, with
 * any prefix such as `module.backbone.image_encoder.` detected). Says what was loaded and whether it held a
 * projection head.
 */
export async function loadImageWeights(
  model: ImageModel,
  path: string,
): Promise<{ description: string; withProjection: boolean }> {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const noTensors = new RangeError(`${path}: no tensor of this image model in the checkpoint`);
    if (!(await checkpointExists(path))) throw noTensors;
    const checkpoint = await loadCheckpoint(path);
    const n = assignParams(checkpoint, model.params(), path);
    if (n === 0) throw noTensors;
    const names = [...checkpoint.tensors.keys()];
    // A checkpoint of a model without the centre view: that view starts from the whole input's statistics.
    if (!names.some((name) => name.startsWith(CENTRE_VIEW_PREFIX))) model.resetCentreStats();
    const withProjection = Object.keys(model.params(['projection'])).some((name) =>
      checkpoint.tensors.has(name),
    );
    return { description: `${n} tensors from checkpoint ${path}`, withProjection };
  }
  const { tensors } = await readSafetensors(path);
  const report = importTorchStateDict(model.backbone, tensors, { source: path });
  model.resetCentreStats();
  return {
    description: `${report.loaded.length} backbone tensors from ${path} (prefix "${report.prefix}")`,
    withProjection: false,
  };
}
