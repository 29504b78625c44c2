/**
 * The ceiling figures recorded in a cohort's metadata: how well the true (generating) quantities predict the
 * generated labels — the AUC of the true malignancy probability, and Harrell's C-index of the true risks.
 */
import type { Outcome } from './types.js';

/** Area under the ROC curve of `scores` for binary `labels` (ties count one half); NaN without both classes. */
export function auc(scores: number[], labels: boolean[]): number {
  const order = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && order[j][0] === order[i][0]) j++;
    const midRank = (i + j + 1) / 2;
    for (let t = i; t < j; t++) {
      if (order[t][1]) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Harrell's C-index of a risk score (higher = earlier event) against right-censored outcomes: over pairs
 * where the earlier time is an event, the fraction ordered correctly (risk ties count one half).
 */
export function concordanceIndex(risk: number[], outcomes: Outcome[]): number {
  let concordant = 0;
  let comparable = 0;
  for (let a = 0; a < risk.length; a++) {
    if (!outcomes[a].event) continue;
    for (let b = 0; b < risk.length; b++) {
      if (outcomes[b].time <= outcomes[a].time) continue;
      comparable++;
      if (risk[a] > risk[b]) concordant++;
      else if (risk[a] === risk[b]) concordant += 0.5;
    }
  }
  return comparable === 0 ? Number.NaN : concordant / comparable;
}
