import { ShapeError } from '../errors.js';

/** Retrieval quality in one direction (queries → items). */
export interface DirectionMetrics {
  /** Recall@K for each requested K: the fraction of queries with a relevant item among the top K. */
  recall: Record<number, number>;
  /** Median over queries of the rank (1-based) of the first relevant item. */
  medianRank: number;
  /** Mean over queries of that rank. */
  meanRank: number;
  /** Mean average precision over queries (every relevant item counts). */
  mAP: number;
  /** First-relevant rank of every query. */
  ranks: Int32Array;
}

/**
 * Accumulates ranking metrics one query at a time, from its similarity row and the relevant items.
 *
 * Ties are ranked pessimistically: an irrelevant item with the same score as a relevant one is placed
 * before it, so duplicated embeddings can never inflate recall. Relevant items tied with each other
 * are interchangeable and need no rule.
 */
export class RankingAccumulator {
  private readonly ranks: number[] = [];
  private precisionSum = 0;

  /** Adds one query: `scores` over all items, `relevant` the indices of its relevant items (≥ 1). */
  add(scores: ArrayLike<number>, relevant: readonly number[]): void {
    if (relevant.length === 0) throw new ShapeError('every query needs at least one relevant item');
    const relevantScores = relevant.map((k) => scores[k]).sort((a, b) => b - a);
    const isRelevant = new Set(relevant);
    const positions = relevantScores.map(
      (score, k) => 1 + k + countIrrelevantAtLeast(scores, isRelevant, score),
    );
    this.ranks.push(positions[0]);
    this.precisionSum +=
      positions.reduce((sum, position, k) => sum + (k + 1) / position, 0) / positions.length;
  }

  /** Metrics of the queries added so far. */
  result(ks: readonly number[]): DirectionMetrics {
    const ranks = Int32Array.from(this.ranks);
    const count = ranks.length;
    const recall: Record<number, number> = {};
    for (const k of ks) recall[k] = ranks.filter((r) => r <= k).length / count;
    const sorted = Int32Array.from(ranks).sort();
    const middle = Math.floor(count / 2);
    const medianRank = count % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    const meanRank = ranks.reduce((a, b) => a + b, 0) / count;
    return { recall, medianRank, meanRank, mAP: this.precisionSum / count, ranks };
  }
}

function countIrrelevantAtLeast(
  scores: ArrayLike<number>,
  isRelevant: Set<number>,
  threshold: number,
): number {
  let count = 0;
  for (let k = 0; k < scores.length; k++) if (scores[k] >= threshold && !isRelevant.has(k)) count++;
  return count;
}

/** For each query, the indices of the items of its group. */
export function relevantItems(queryGroups: ArrayLike<number>, itemGroups: ArrayLike<number>): number[][] {
  const byGroup = new Map<number, number[]>();
  for (let k = 0; k < itemGroups.length; k++) {
    const list = byGroup.get(itemGroups[k]);
    if (list) list.push(k);
    else byGroup.set(itemGroups[k], [k]);
  }
  return Array.from(queryGroups, (g) => byGroup.get(g) ?? []);
}
