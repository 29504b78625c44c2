import { Rng, tf } from 'renal-core';
import { PHASES, type KidneyRecord, type Phase } from '../data/manifest.js';
import { streamBatches } from '../data/loader.js';
import { cropForModel } from './augment.js';
import type { PipelineConfig } from './config.js';
import type { CropCache } from './crops.js';
import { toBatch } from './image-model.js';

/** Which phase a sample uses: a random available one (pre-training) or a fixed one (downstream, eval). */
export type PhaseChoice = 'random' | Phase;

/** The phase of a record to use: the requested one, else A, else the first available. */
export function pickPhase(record: KidneyRecord, choice: PhaseChoice, rng: Rng): Phase {
  const available = PHASES.filter((p) => record.phases[p]);
  if (choice === 'random') return rng.pick(available);
  return record.phases[choice] ? choice : record.phases.A ? 'A' : available[0];
}

/** Options of {@link imageBatches}. */
export interface ImageBatchOptions {
  batchSize: number;
  phase: PhaseChoice;
  train: boolean;
  flip?: boolean;
  seed: number;
  /** Shuffle the order (default: when training). */
  shuffle?: boolean;
}

/**
 * Streams `[N, D, H, W, 1]` batches of model inputs for records, read from the crop cache as the consumer
 * pulls (bounded memory), augmented in training. The caller disposes each batch's tensor.
 */
export async function* imageBatches(
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
  options: ImageBatchOptions,
): AsyncGenerator<{ records: KidneyRecord[]; x: tf.Tensor5D }> {
  // One generator per record, forked in the records' order: loads run concurrently (prefetch) and finish in
  // I/O order, so a shared generator would hand out its draws in a different order on every run.
  const base = new Rng(options.seed);
  const generators = new Map(records.map((record) => [record, base.fork()]));
  const shuffle = options.shuffle ?? options.train;
  const load = async (record: KidneyRecord) => {
    const rng = generators.get(record)!;
    const phase = pickPhase(record, options.phase, rng);
    const cached = await cache.get(record, phase);
    return cropForModel(cached, config.cacheShape, config.inputShape, rng, {
      train: options.train,
      flip: options.flip,
      affine: config.augment.affine,
      intensity: config.augment.intensity,
    });
  };
  for await (const batch of streamBatches(records, load, {
    batchSize: options.batchSize,
    seed: shuffle ? options.seed : undefined,
  })) {
    yield { records: batch.items, x: toBatch(batch.samples, config.inputShape) };
  }
}

/** Number of batches of a pass. */
export function batchCount(n: number, batchSize: number): number {
  return Math.ceil(n / batchSize);
}

/**
 * Evaluation pass: `rowsOf` on centre-cropped batches of records in one phase (A by default, else the first
 * available), split into one row per record in the records' order. Every tensor is freed.
 */
export async function evaluationRows(
  records: KidneyRecord[],
  cache: CropCache,
  config: PipelineConfig,
  rowsOf: (x: tf.Tensor5D) => tf.Tensor2D,
  phase: Phase = 'A',
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const { x } of imageBatches(records, cache, config, {
    batchSize: 32,
    phase,
    train: false,
    seed: 0,
  })) {
    const y = tf.tidy(() => rowsOf(x));
    const values = await y.data();
    const width = y.shape[1];
    for (let i = 0; i < y.shape[0]; i++)
      out.push(Float32Array.from(values.subarray(i * width, (i + 1) * width)));
    tf.dispose([x, y]);
  }
  return out;
}
