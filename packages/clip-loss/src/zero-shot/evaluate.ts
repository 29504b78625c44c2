import type { tf } from 'renal-core';
import { ShapeError } from '../errors.js';
import { rocAuc, rocAucOneVsRest } from '../metrics/roc-auc.js';
import type { PromptScoring, ZeroShotClassifier } from './classifier.js';

/**
 * AUC of zero-shot scores per class (`scores[i][k]`, cosines or logits): for two classes the AUC of
 * score₁ − score₀ (monotone in the softmax probability of class 1, at any scale); for more, macro
 * one-vs-rest AUC of softmax(scale · scores).
 */
export function zeroShotAucFromScores(
  scores: ArrayLike<ArrayLike<number>>,
  labels: ArrayLike<number>,
  scale = 100,
): number {
  if (scores.length !== labels.length)
    throw new ShapeError(`${scores.length} score rows for ${labels.length} labels`);
  const numClasses = scores.length > 0 ? scores[0].length : 0;
  if (numClasses === 2) {
    return rocAuc(
      Float64Array.from({ length: scores.length }, (_, i) => scores[i][1] - scores[i][0]),
      labels,
    );
  }
  return rocAucOneVsRest(
    Array.from(scores, (row) => softmax(Array.from(row), scale)),
    labels,
  );
}

/**
 * The paper's zero-shot AUC of a classifier on labelled images, by mean prototypes (`'mean'`) or the best
 * prompt per class (`'max'`).
 */
export async function zeroShotAuc(
  classifier: ZeroShotClassifier,
  imageEmbeddings: tf.Tensor2D,
  labels: ArrayLike<number>,
  scoring: PromptScoring = 'mean',
): Promise<number> {
  const similarities = classifier.similarities(imageEmbeddings, scoring);
  try {
    return zeroShotAucFromScores(await similarities.array(), labels);
  } finally {
    similarities.dispose();
  }
}

/** Softmax of `scale · values` (stable). */
function softmax(values: readonly number[], scale: number): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(scale * (v - max)));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
