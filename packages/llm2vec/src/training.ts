import { Rng, tf } from 'renal-core';
import type { Llm2Vec } from './encoder.js';
import { DEFAULT_LORA, LoraAdapter, type LoraConfig } from './lora.js';
import { type MaskedBatch, maskForMntp, mntpLoss } from './mntp.js';
import { poolingWeights } from './pooling.js';
import { simcseLoss } from './simcse.js';

/** One report from a training loop, after each optimizer step. */
export interface TrainProgress {
  phase: 'mntp' | 'simcse';
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  elapsedMs: number;
}

/** Options shared by {@link trainMntp} and {@link trainSimCse}. */
export interface TrainOptions {
  epochs?: number;
  /** Stop after this many steps even if epochs remain. */
  maxSteps?: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * What is trained: `lora` (LLM2Vec: a fresh adapter, base frozen) or `all` (every weight — the only
   * sensible choice for a model initialised at random). Default `all` for encoders made by
   * `Llm2Vec.create`, `lora` for loaded ones.
   */
  parameters?: 'lora' | 'all';
  /** LoRA settings (default r 16, α 32, dropout 0.05, all projections). */
  lora?: LoraConfig;
  /** Merge the adapter into the weights when done (default true; LLM2Vec merges MNTP before SimCSE). */
  merge?: boolean;
  seed?: number;
  onProgress?: (progress: TrainProgress) => void;
}

/** What a training run did. */
export interface TrainResult {
  steps: number;
  losses: number[];
  seconds: number;
}

function shuffled(n: number, rng: Rng): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

/**
 * One optimizer step on a loss given as parts whose sum is the batch loss (micro-batches): gradients are
 * accumulated part by part, so only one part's activations are alive at a time. Returns the loss.
 */
async function optimizerStep(
  optimizer: tf.Optimizer,
  parts: (() => tf.Scalar)[],
  vars: tf.Variable[],
): Promise<number> {
  if (parts.length === 1) {
    const loss = optimizer.minimize(parts[0], true, vars) as tf.Scalar;
    const value = (await loss.data())[0];
    loss.dispose();
    return value;
  }
  let total = 0;
  let sum: tf.NamedTensorMap | undefined;
  for (const part of parts) {
    const { value, grads } = tf.variableGrads(part, vars);
    total += (await value.data())[0];
    value.dispose();
    if (!sum) {
      sum = grads;
      continue;
    }
    for (const name of Object.keys(sum)) {
      const next = tf.add(sum[name], grads[name]);
      tf.dispose([sum[name], grads[name]]);
      sum[name] = next;
    }
  }
  if (sum) {
    optimizer.applyGradients(sum);
    tf.dispose(Object.values(sum));
  }
  return total;
}

/** Rows `[from, to)` of a masked batch, with its targets renumbered. */
export function sliceMaskedBatch(masked: MaskedBatch, from: number, to: number): MaskedBatch {
  const T = masked.batch.seqLen;
  const positions: number[] = [];
  const labels: number[] = [];
  masked.positions.forEach((p, j) => {
    if (p >= from * T && p < to * T) {
      positions.push(p - from * T);
      labels.push(masked.labels[j]);
    }
  });
  return {
    batch: {
      batchSize: to - from,
      seqLen: T,
      inputIds: masked.batch.inputIds.slice(from * T, to * T),
      attentionMask: masked.batch.attentionMask.slice(from * T, to * T),
    },
    positions: Int32Array.from(positions),
    labels: Int32Array.from(labels),
  };
}

/** Shared loop: picks the parameters, runs Adam over shuffled batches, reports progress, merges. */
async function runTraining(
  encoder: Llm2Vec,
  texts: readonly string[],
  options: TrainOptions,
  phase: TrainProgress['phase'],
  defaults: { learningRate: number; minBatch: number },
  stepLoss: (batchTexts: string[], rng: Rng, step: number) => (() => tf.Scalar)[],
): Promise<TrainResult> {
  const rng = new Rng(options.seed ?? 0);
  const model = encoder.model;
  const parameters = options.parameters ?? (encoder.fromScratch ? 'all' : 'lora');
  let vars: tf.Variable[];
  if (parameters === 'lora') {
    if (!model.lora) model.lora = LoraAdapter.create(model.config, options.lora ?? DEFAULT_LORA, rng.fork());
    vars = model.lora.variables();
  } else {
    vars = model.trainableWeights();
  }
  const batchSize = options.batchSize ?? 8;
  const epochs = options.epochs ?? 1;
  const perEpoch =
    Math.floor(texts.length / batchSize) + (texts.length % batchSize >= defaults.minBatch ? 1 : 0);
  const totalSteps = Math.min(options.maxSteps ?? Number.POSITIVE_INFINITY, perEpoch * epochs);
  const optimizer = tf.train.adam(options.learningRate ?? defaults.learningRate);
  const losses: number[] = [];
  const started = Date.now();
  let step = 0;
  try {
    for (let epoch = 0; epoch < epochs && step < totalSteps; epoch++) {
      const order = shuffled(texts.length, rng);
      for (let start = 0; start < order.length && step < totalSteps; start += batchSize) {
        const batchTexts = order.slice(start, start + batchSize).map((i) => texts[i]);
        if (batchTexts.length < defaults.minBatch) continue;
        const value = await optimizerStep(optimizer, stepLoss(batchTexts, rng, step), vars);
        losses.push(value);
        step++;
        options.onProgress?.({
          phase,
          step,
          totalSteps,
          epoch,
          loss: value,
          elapsedMs: Date.now() - started,
        });
      }
    }
  } finally {
    optimizer.dispose();
    encoder.markChanged();
  }
  if (parameters === 'lora' && (options.merge ?? true)) model.mergeLora();
  return { steps: step, losses, seconds: (Date.now() - started) / 1000 };
}

/**
 * Masked next-token prediction (LLM2Vec step 1): 20 % of tokens are chosen (80 % replaced by "_", 10 % by a
 * random token, 10 % kept) and the bidirectional model's output at i − 1 must predict token i.
 * Default learning rate 5e-5 for LoRA (the paper's) and 3e-3 when training every weight. With
 * `microBatchSize`, each step's batch is processed in slices whose gradients are summed (same step, less
 * memory — wasm's heap cannot hold a large batch's activations).
 */
export async function trainMntp(
  encoder: Llm2Vec,
  texts: readonly string[],
  options: TrainOptions & { maskProbability?: number; microBatchSize?: number } = {},
): Promise<TrainResult> {
  const parameters = options.parameters ?? (encoder.fromScratch ? 'all' : 'lora');
  const maskId = encoder.toModelId(encoder.tokenizer.tokenToId('_') ?? 62);
  const specials = encoder.specialModelIds();
  return runTraining(
    encoder,
    texts,
    options,
    'mntp',
    { learningRate: parameters === 'lora' ? 5e-5 : 3e-3, minBatch: 1 },
    (batchTexts, rng, step) => {
      const prompt = encoder.tokenize(batchTexts);
      const masked = maskForMntp(
        prompt.batch,
        {
          probability: options.maskProbability,
          maskTokenId: maskId,
          specialIds: specials,
          vocabSize: encoder.model.config.vocabSize,
        },
        rng,
      );
      const total = masked.positions.length;
      const micro = options.microBatchSize ?? prompt.batch.batchSize;
      const parts: (() => tf.Scalar)[] = [];
      for (let from = 0; from < prompt.batch.batchSize; from += micro) {
        const part = sliceMaskedBatch(masked, from, Math.min(from + micro, prompt.batch.batchSize));
        if (part.positions.length === 0 && micro < prompt.batch.batchSize) continue;
        // Each part's mean loss weighted by its share of the targets: the parts sum to the batch's mean.
        const share = total > 0 ? part.positions.length / total : 1;
        parts.push(
          () =>
            tf.mul(
              mntpLoss(encoder.model, part, {
                training: true,
                seed: step * 1000 + 17 + from,
                bidirectional: encoder.settings.bidirectional,
              }),
              share,
            ) as tf.Scalar,
        );
      }
      return parts;
    },
  );
}

/**
 * Unsupervised SimCSE (LLM2Vec step 2): each text is encoded twice with attention dropout (0.3) and must
 * find itself among the batch (cosine × 20). Run after {@link trainMntp}, whose adapter is merged first.
 * Default learning rate 3e-5 for LoRA (the paper's) and 3e-4 when training every weight.
 */
export async function trainSimCse(
  encoder: Llm2Vec,
  texts: readonly string[],
  options: TrainOptions & { dropout?: number; scale?: number } = {},
): Promise<TrainResult> {
  const parameters = options.parameters ?? (encoder.fromScratch ? 'all' : 'lora');
  return runTraining(
    encoder,
    texts,
    options,
    'simcse',
    { learningRate: parameters === 'lora' ? 3e-5 : 3e-4, minBatch: 2 },
    (batchTexts, _rng, step) => {
      const prompt = encoder.tokenize(batchTexts);
      const weights = poolingWeights(prompt.batch, encoder.settings.pooling, prompt.poolMask);
      return [
        () =>
          simcseLoss(encoder.model, prompt.batch, weights, {
            dropout: options.dropout ?? 0.3,
            scale: options.scale ?? 20,
            seed: step * 1000 + 29,
            bidirectional: encoder.settings.bidirectional,
          }),
      ];
    },
  );
}
