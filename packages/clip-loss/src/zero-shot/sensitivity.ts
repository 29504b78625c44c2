import { Rng, tf } from 'renal-core';
import { l2Normalize } from '../contrastive/normalize.js';
import { assertEmbeddingMatrix } from '../contrastive/validate.js';
import { OptionError, ShapeError } from '../errors.js';
import type { ZeroShotClassifier } from './classifier.js';
import { zeroShotAucFromScores } from './evaluate.js';

/** Options of {@link promptSensitivity}. */
export interface PromptSensitivityOptions {
  /** Random prompt draws (one prompt per class each); default 1000 as in the paper. */
  draws?: number;
  /** Seed of the {@link Rng} that draws prompts (default 0); or pass `rng`. */
  seed?: number;
  /** A generator to draw from instead of a fresh `Rng(seed)`. */
  rng?: Rng;
  /** Logit scale of the softmax used for more than two classes (default 100). */
  scale?: number;
}

/** Summary of the AUC distribution over random prompt draws. */
export interface PromptSensitivity {
  /** AUC of every draw, in draw order. */
  aucs: Float64Array;
  /** For every draw, the prompt index chosen within each class. */
  prompts: Int32Array[];
  /** Mean AUC over draws. */
  mean: number;
  /** Sample standard deviation of the AUCs. */
  std: number;
  /** Lowest AUC. */
  min: number;
  /** Highest AUC. */
  max: number;
  /** Median AUC. */
  median: number;
  /** 2.5th and 97.5th percentiles (linear interpolation, numpy's default). */
  q025: number;
  q975: number;
}

/**
 * The paper's prompt-sensitivity analysis: draw one prompt per class at random (for two classes, a
 * random prompt pair), classify by cosine to those single prompts, and record the AUC; repeat `draws`
 * times. Two classes score each image by cos(prompt₁) − cos(prompt₀) (monotone in the softmax
 * probability of class 1); more classes use softmax(scale·cos) and macro one-vs-rest AUC.
 *
 * @param classifier - prompt embeddings per class.
 * @param imageEmbeddings - `[numImages, dim]`.
 * @param labels - class index per image.
 */
export async function promptSensitivity(
  classifier: ZeroShotClassifier,
  imageEmbeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  options: PromptSensitivityOptions = {},
): Promise<PromptSensitivity> {
  assertEmbeddingMatrix(imageEmbeddings, 'imageEmbeddings');
  const numImages = imageEmbeddings.shape[0];
  if (labels.length !== numImages) throw new ShapeError(`${labels.length} labels for ${numImages} images`);
  const draws = options.draws ?? 1000;
  if (!Number.isInteger(draws) || draws < 1)
    throw new OptionError(`draws must be a positive integer, got ${draws}`);
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const similarityTensor = tf.tidy(() =>
    tf.matMul(l2Normalize(imageEmbeddings, 'imageEmbeddings'), tf.transpose(classifier.promptEmbeddings())),
  );
  const similarities = await similarityTensor.data();
  similarityTensor.dispose();
  const counts = classifier.promptCounts;
  const offsets = counts.map((_, k) => counts.slice(0, k).reduce((a, b) => a + b, 0));
  const totalPrompts = counts.reduce((a, b) => a + b, 0);
  const aucs = new Float64Array(draws);
  const prompts: Int32Array[] = [];
  for (let d = 0; d < draws; d++) {
    const chosen = Int32Array.from(counts, (n) => rng.int(n));
    prompts.push(chosen);
    const column = (i: number, k: number) => similarities[i * totalPrompts + offsets[k] + chosen[k]];
    aucs[d] = zeroShotAucFromScores(
      Array.from({ length: numImages }, (_, i) => counts.map((_, k) => column(i, k))),
      labels,
      options.scale ?? 100,
    );
  }
  return { aucs, prompts, ...summarise(aucs) };
}

function summarise(values: Float64Array) {
  const sorted = Float64Array.from(values).sort();
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return {
    mean,
    std: Math.sqrt(variance),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    median: quantile(sorted, 0.5),
    q025: quantile(sorted, 0.025),
    q975: quantile(sorted, 0.975),
  };
}

/** Linear-interpolation quantile of sorted values (numpy's default method). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}
