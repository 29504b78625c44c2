/**
 * Stage 1's own result: how well an image encoder's attribute heads read the 14 report attributes off the
 * scan, per attribute, on the kidneys whose report states it. Pure scoring of the probabilities that
 * stage 1's `attributeProbabilities` gives.
 */
import { ATTRIBUTES } from 'renal-synth';
import { ATTRIBUTE_CLASSES } from '../data/manifest.js';
import { bootstrapCi, pick } from '../metrics/bootstrap.js';
import { argmax, balancedAccuracy, classificationMetrics } from '../metrics/classification.js';
import type { AttributeScore } from '../report/results.js';

/** Stated labels (`[kidney][attribute]`, −1 unknown) and predicted probabilities (`[kidney][attribute][class]`). */
export interface AttributePredictions {
  labels: number[][];
  probs: number[][][];
}

/** The labels of one attribute that a report states, with the matching probabilities. */
function known(split: AttributePredictions, attribute: number) {
  const labels: number[] = [];
  const probs: number[][] = [];
  split.labels.forEach((row, i) => {
    if (row[attribute] < 0) return;
    labels.push(row[attribute]);
    probs.push(split.probs[i][attribute]);
  });
  return { labels, probs };
}

function accuracy(labels: number[], predictions: number[]): number {
  if (labels.length === 0) return Number.NaN;
  return labels.filter((y, i) => predictions[i] === y).length / labels.length;
}

/** The most common stated class of an attribute (the lowest on a tie); −1 when none is stated. */
function majorityClass(labels: number[], classes: number): number {
  if (labels.length === 0) return -1;
  const counts = new Array<number>(classes).fill(0);
  for (const y of labels) counts[y]++;
  return argmax(counts);
}

/**
 * Scores each of the 14 attributes on the test split — accuracy, balanced accuracy and macro one-vs-rest AUC,
 * each with a bootstrap CI — beside two yardsticks: the accuracy of always answering the training split's most
 * common class (what plain accuracy must beat), and the balanced accuracy on the training split itself (how
 * well stage 1 fitted what it was taught). An attribute no test report states has n 0 and NaN scores.
 */
export function scoreAttributes(
  train: AttributePredictions,
  test: AttributePredictions,
  options: { seed: number; bootstrap: number },
): AttributeScore[] {
  return ATTRIBUTES.map((spec, a) => {
    const classes = ATTRIBUTE_CLASSES[a];
    const tr = known(train, a);
    const te = known(test, a);
    const predicted = te.probs.map(argmax);
    const estimate = (metric: (ix: number[]) => number) =>
      bootstrapCi(te.labels.length, metric, { seed: options.seed, resamples: options.bootstrap });
    const majority = majorityClass(tr.labels, classes);
    return {
      attribute: spec.name,
      classes,
      n: te.labels.length,
      accuracy: estimate((ix) => accuracy(pick(te.labels, ix), pick(predicted, ix))),
      balancedAccuracy: estimate((ix) => balancedAccuracy(pick(te.labels, ix), pick(predicted, ix))),
      auc: estimate((ix) =>
        ix.length === 0 ? Number.NaN : classificationMetrics(pick(te.labels, ix), pick(te.probs, ix)).auc,
      ),
      majorityAccuracy: accuracy(
        te.labels,
        te.labels.map(() => majority),
      ),
      trainBalancedAccuracy: balancedAccuracy(tr.labels, tr.probs.map(argmax)),
    };
  });
}
