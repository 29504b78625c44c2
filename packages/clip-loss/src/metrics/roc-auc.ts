import { ShapeError } from '../errors.js';

/**
 * Area under the ROC curve of a binary problem: the probability that a random positive scores above a
 * random negative, ties counting one half (Mann–Whitney U with mid-ranks), as `sklearn.metrics.roc_auc_score`.
 *
 * @param scores - one score per sample; higher means "more positive".
 * @param labels - 1 (or true) for positives, 0 (or false) for negatives.
 * @throws {@link ShapeError} when lengths differ, a score is not finite, a label is not 0/1, or one
 * class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  if (scores.length !== labels.length) {
    throw new ShapeError(`rocAuc: ${scores.length} scores but ${labels.length} labels`);
  }
  const ranks = midRanks(scores);
  let positives = 0;
  let positiveRankSum = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = Number(labels[i]);
    if (label !== 0 && label !== 1) throw new ShapeError(`rocAuc: labels[${i}] = ${labels[i]} is not 0 or 1`);
    if (label === 1) {
      positives++;
      positiveRankSum += ranks[i];
    }
  }
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ShapeError(`rocAuc: needs both classes, got ${positives} positives and ${negatives} negatives`);
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** 1-based ranks of the scores in ascending order, tied values sharing their mean rank. */
function midRanks(scores: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i]))
      throw new ShapeError(`rocAuc: scores[${i}] = ${scores[i]} is not finite`);
  }
  order.sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(scores.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && scores[order[end]] === scores[order[start]]) end++;
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Macro-averaged one-vs-rest ROC AUC of a multiclass problem (`roc_auc_score(multi_class='ovr',
 * average='macro')`): the mean over classes of the AUC of "class k vs the rest" scored by column k.
 * With two classes it equals {@link rocAuc} on column 1.
 *
 * @param scores - per sample, one score per class (`scores[i][k]`), e.g. softmax probabilities.
 * @param labels - class index per sample, in [0, numClasses).
 * @throws {@link ShapeError} when a class has no samples (its AUC is undefined) or shapes disagree.
 */
export function rocAucOneVsRest(scores: ArrayLike<ArrayLike<number>>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length || scores.length === 0) {
    throw new ShapeError(`rocAucOneVsRest: ${scores.length} score rows but ${labels.length} labels`);
  }
  const numClasses = scores[0].length;
  if (numClasses === 2)
    return rocAuc(
      column(scores, 1),
      Array.from(labels, (l) => (l === 1 ? 1 : 0)),
    );
  let total = 0;
  for (let k = 0; k < numClasses; k++) {
    total += rocAuc(
      column(scores, k),
      Array.from(labels, (l) => (l === k ? 1 : 0)),
    );
  }
  return total / numClasses;
}

function column(scores: ArrayLike<ArrayLike<number>>, k: number): Float64Array {
  return Float64Array.from({ length: scores.length }, (_, i) => {
    if (scores[i].length <= k)
      throw new ShapeError(`rocAucOneVsRest: row ${i} has ${scores[i].length} scores`);
    return scores[i][k];
  });
}
