/**
 * Classification metrics in plain TypeScript: ROC AUC (with ties), average precision, and thresholded F1,
 * sensitivity and specificity; multi-class scores are macro averages of one-vs-rest.
 */

/** Metrics of one classification task. */
export interface ClassificationMetrics {
  auc: number;
  prAuc: number;
  f1: number;
  sensitivity: number;
  specificity: number;
  accuracy: number;
}

/** Bad metric input (mismatched lengths, labels out of range…). */
export class MetricInputError extends Error {
  override name = 'MetricInputError';
}

/**
 * ROC AUC of binary labels (1 positive) against scores: the Mann–Whitney probability that a positive outranks
 * a negative, ties counting one half. NaN when one class is absent.
 */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Average precision (the area under the precision–recall curve as a step sum, as scikit-learn computes it):
 * Σ (R_k − R_{k−1}) P_k over distinct score thresholds, highest first. NaN when there is no positive.
 */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLengths(labels, scores);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let totalPositives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === 1) totalPositives++;
  if (totalPositives === 0) return Number.NaN;
  let truePositives = 0;
  let seen = 0;
  let previousRecall = 0;
  let ap = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]] === scores[order[i]]) j++;
    for (let k = i; k <= j; k++) {
      seen++;
      if (labels[order[k]] === 1) truePositives++;
    }
    const recall = truePositives / totalPositives;
    ap += (recall - previousRecall) * (truePositives / seen);
    previousRecall = recall;
    i = j + 1;
  }
  return ap;
}

/**
 * Metrics of a C-class task from labels (0…C−1) and per-class probabilities (`probs[i][c]`). AUC and PR-AUC
 * are macro one-vs-rest over the classes present; F1, sensitivity, specificity are macro averages of the
 * argmax prediction (for two classes: those of the positive class 1).
 */
export function classificationMetrics(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>[],
): ClassificationMetrics {
  checkLengths(labels, probs);
  const classes = probs[0]?.length ?? 0;
  if (classes < 2) throw new MetricInputError('probabilities need at least two classes');
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || labels[i] < 0 || labels[i] >= classes) {
      throw new MetricInputError(`label ${labels[i]} at ${i} is outside 0…${classes - 1}`);
    }
  }
  const predictions = probs.map(argmax);
  const perClass = (c: number) => {
    const binary = Array.from(labels, (y) => (y === c ? 1 : 0));
    const score = probs.map((p) => p[c]);
    return {
      auc: rocAuc(binary, score),
      ap: averagePrecision(binary, score),
      ...confusion(labels, predictions, c),
    };
  };
  const targets = classes === 2 ? [1] : Array.from({ length: classes }, (_, c) => c);
  const rows = targets.map(perClass);
  const aucRows = classes === 2 ? [perClass(1)] : rows;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  return {
    auc: nanMean(aucRows.map((r) => r.auc)),
    prAuc: nanMean(aucRows.map((r) => r.ap)),
    f1: nanMean(rows.map((r) => r.f1)),
    sensitivity: nanMean(rows.map((r) => r.sensitivity)),
    specificity: nanMean(rows.map((r) => r.specificity)),
    accuracy: labels.length > 0 ? correct / labels.length : Number.NaN,
  };
}

function confusion(labels: ArrayLike<number>, predictions: number[], c: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < predictions.length; i++) {
    const actual = labels[i] === c;
    const predicted = predictions[i] === c;
    if (actual && predicted) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
    else tn++;
  }
  const sensitivity = tp + fn > 0 ? tp / (tp + fn) : Number.NaN;
  const specificity = tn + fp > 0 ? tn / (tn + fp) : Number.NaN;
  const f1 = tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : Number.NaN;
  return { sensitivity, specificity, f1 };
}

/**
 * Balanced accuracy of predicted classes: the mean, over the classes present in `labels`, of the fraction of
 * that class predicted correctly (recall). A constant prediction scores 1 / (classes present) whatever the
 * class frequencies, so it reads against chance where plain accuracy rewards the majority class. NaN when there
 * are no labels.
 */
export function balancedAccuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  checkLengths(labels, predictions);
  const perClass = new Map<number, { seen: number; correct: number }>();
  for (let i = 0; i < labels.length; i++) {
    const counts = perClass.get(labels[i]) ?? { seen: 0, correct: 0 };
    counts.seen++;
    if (predictions[i] === labels[i]) counts.correct++;
    perClass.set(labels[i], counts);
  }
  if (perClass.size === 0) return Number.NaN;
  let sum = 0;
  for (const { seen, correct } of perClass.values()) sum += correct / seen;
  return sum / perClass.size;
}

/** Index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Mean of the finite values (NaN when none). */
export function nanMean(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN;
}

/**
 * Mean and sample standard deviation (n − 1) of the finite values: the mean is NaN when there are none, the sd
 * when there are fewer than two (one value has no spread to estimate).
 */
export function nanMeanSd(values: number[]): { mean: number; sd: number } {
  const finite = values.filter(Number.isFinite);
  const mean = nanMean(finite);
  const sd =
    finite.length > 1
      ? Math.sqrt(finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (finite.length - 1))
      : Number.NaN;
  return { mean, sd };
}

function checkLengths(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new MetricInputError(`${a.length} labels but ${b.length} scores`);
}
