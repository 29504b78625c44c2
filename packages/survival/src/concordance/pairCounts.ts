import { argsort, denseRanks } from '../math/sort.js';

/** Weighted pair counts behind every concordance index here. */
export interface PairCounts {
  /** Comparable pairs where the earlier failure had the higher risk. */
  concordant: number;
  /** Comparable pairs where the earlier failure had the lower risk. */
  discordant: number;
  /** Comparable pairs with equal risk (each counts ½ towards C). */
  tiedRisk: number;
  /** Pairs of events at the same time with different risks (not comparable; R's `tied.y`). */
  tiedTime: number;
  /** Pairs of events at the same time with equal risk (not comparable; R's `tied.xy`). */
  tiedTimeAndRisk: number;
}

/** Per subject: the weighted comparable pairs it belongs to (as the event or as the survivor). */
export interface PairInfluence {
  concordant: Float64Array;
  discordant: Float64Array;
  tied: Float64Array;
}

/**
 * Counts comparable pairs in O(n log n): walk times from the largest down, keeping the risks of everyone
 * already passed (i.e. with a longer time) in a Fenwick tree indexed by risk rank, and for each event ask
 * how many of them have lower, equal and higher risk.
 *
 * A pair (i, j) is comparable when i had an event and j outlived it: Tⱼ > Tᵢ, or Tⱼ = Tᵢ with j censored
 * (a subject censored at t was still at risk at t, as in Kaplan–Meier and R's `survival::concordance`).
 * Two events at the same time are not comparable. Pair (i, j) weighs wᵢ·wⱼ·eventWeight(i).
 */
export function countPairs(
  time: Float64Array,
  event: Uint8Array,
  risk: Float64Array,
  weight: Float64Array | undefined,
  strata: Int32Array | undefined,
  eventWeight?: (i: number) => number,
  influence?: PairInfluence,
): PairCounts {
  const n = time.length;
  const { ranks, distinct } = denseRanks(risk);
  const tree = new Float64Array(distinct + 1);
  // Weight sitting at exactly each rank, so "equal risk" needs no second tree query.
  const atRank = new Float64Array(distinct);
  const counts: PairCounts = { concordant: 0, discordant: 0, tiedRisk: 0, tiedTime: 0, tiedTimeAndRisk: 0 };
  const order = sortByStratumThenTimeDescending(time, strata);
  // Scratch per risk rank for splitting tied event pairs by risk, reset after each time group.
  const rankWeight = new Float64Array(distinct);
  const rankSquares = new Float64Array(distinct);
  const touched = new Uint32Array(n);
  let treeTotal = 0;
  let stratumStart = 0;
  let start = 0;
  while (start < n) {
    const first = order[start];
    if (strata && start > stratumStart && strata[first] !== strata[order[start - 1]]) {
      treeTotal = clearTree(tree, atRank, order, stratumStart, start, ranks, weight);
      stratumStart = start;
    }
    const t = time[first];
    let end = start;
    while (end < n && time[order[end]] === t && (!strata || strata[order[end]] === strata[first])) {
      end++;
    }
    // Censored subjects at t outlive the events at t: add them before counting.
    for (let q = start; q < end; q++) {
      const i = order[q];
      if (event[i] === 0) {
        const w = weight ? weight[i] : 1;
        atRank[ranks[i]] += w;
        treeTotal += treeAdd(tree, ranks[i], w);
      }
    }
    let touchedCount = 0;
    let groupWeight = 0;
    let groupSquares = 0;
    for (let q = start; q < end; q++) {
      const i = order[q];
      if (event[i] === 0) continue;
      const wi = (weight ? weight[i] : 1) * (eventWeight ? eventWeight(i) : 1);
      const lower = treePrefix(tree, ranks[i]);
      const equal = atRank[ranks[i]];
      counts.concordant += wi * lower;
      counts.tiedRisk += wi * equal;
      counts.discordant += wi * (treeTotal - lower - equal);
      if (influence) {
        const own = eventWeight ? eventWeight(i) : 1;
        influence.concordant[i] += own * lower;
        influence.tied[i] += own * equal;
        influence.discordant[i] += own * (treeTotal - lower - equal);
      }
      const plain = weight ? weight[i] : 1;
      const rank = ranks[i];
      if (rankWeight[rank] === 0 && rankSquares[rank] === 0) touched[touchedCount++] = rank;
      rankWeight[rank] += plain;
      rankSquares[rank] += plain * plain;
      groupWeight += plain;
      groupSquares += plain * plain;
    }
    // Event pairs at this time: (Σw)² − Σw² over 2, split into equal-risk pairs and the rest.
    let sameRisk = 0;
    for (let q = 0; q < touchedCount; q++) {
      const rank = touched[q];
      sameRisk += (rankWeight[rank] * rankWeight[rank] - rankSquares[rank]) / 2;
      rankWeight[rank] = 0;
      rankSquares[rank] = 0;
    }
    counts.tiedTimeAndRisk += sameRisk;
    counts.tiedTime += (groupWeight * groupWeight - groupSquares) / 2 - sameRisk;
    for (let q = start; q < end; q++) {
      const i = order[q];
      if (event[i] === 1) {
        const w = weight ? weight[i] : 1;
        atRank[ranks[i]] += w;
        treeTotal += treeAdd(tree, ranks[i], w);
      }
    }
    start = end;
  }
  if (influence)
    addSurvivorInfluence(order, time, event, ranks, distinct, weight, strata, eventWeight, influence);
  return counts;
}

/**
 * The survivor's side of each comparable pair: walk times upwards keeping earlier events (weighted by
 * wᵢ·eventWeight(i)) in a Fenwick tree by risk rank. An event at t sees only strictly earlier events; a
 * subject censored at t also sees the events at t.
 */
function addSurvivorInfluence(
  order: Uint32Array,
  time: Float64Array,
  event: Uint8Array,
  ranks: Uint32Array,
  distinct: number,
  weight: Float64Array | undefined,
  strata: Int32Array | undefined,
  eventWeight: ((i: number) => number) | undefined,
  influence: PairInfluence,
): void {
  const tree = new Float64Array(distinct + 1);
  const atRank = new Float64Array(distinct);
  const pairWeight = (i: number) => (weight ? weight[i] : 1) * (eventWeight ? eventWeight(i) : 1);
  const n = order.length;
  let total = 0;
  let stratumEnd = n; // walking `order` backwards: stratum blocks in reverse, times ascending
  let end = n;
  const query = (j: number) => {
    const below = treePrefix(tree, ranks[j]);
    const equal = atRank[ranks[j]];
    influence.discordant[j] += below; // the earlier event had the lower risk
    influence.tied[j] += equal;
    influence.concordant[j] += total - below - equal;
  };
  while (end > 0) {
    const last = order[end - 1];
    if (strata && end < stratumEnd && strata[last] !== strata[order[end]]) {
      for (let q = end; q < stratumEnd; q++) {
        const i = order[q];
        if (event[i] === 1) treeAdd(tree, ranks[i], -pairWeight(i));
        atRank[ranks[i]] = 0;
      }
      total = 0;
      stratumEnd = end;
    }
    const t = time[last];
    let start = end - 1;
    while (
      start > 0 &&
      time[order[start - 1]] === t &&
      (!strata || strata[order[start - 1]] === strata[last])
    ) {
      start--;
    }
    for (let q = start; q < end; q++) if (event[order[q]] === 1) query(order[q]);
    for (let q = start; q < end; q++) {
      const i = order[q];
      if (event[i] === 1) {
        const w = pairWeight(i);
        atRank[ranks[i]] += w;
        total += treeAdd(tree, ranks[i], w);
      }
    }
    for (let q = start; q < end; q++) if (event[order[q]] === 0) query(order[q]);
    end = start;
  }
}

function sortByStratumThenTimeDescending(time: Float64Array, strata: Int32Array | undefined): Uint32Array {
  const byTime = argsort(time, true);
  if (!strata) return byTime;
  // Stable sort by stratum keeps the time order inside each stratum.
  const strataInTimeOrder = new Float64Array(byTime.length);
  for (let k = 0; k < byTime.length; k++) strataInTimeOrder[k] = strata[byTime[k]];
  const byStratum = argsort(strataInTimeOrder);
  const order = new Uint32Array(byTime.length);
  for (let k = 0; k < order.length; k++) order[k] = byTime[byStratum[k]];
  return order;
}

/** Adds `amount` at 0-based position `rank`; returns `amount` for the running total. */
function treeAdd(tree: Float64Array, rank: number, amount: number): number {
  for (let k = rank + 1; k < tree.length; k += k & -k) tree[k] += amount;
  return amount;
}

/** Sum over 0-based positions < `count`. */
function treePrefix(tree: Float64Array, count: number): number {
  let sum = 0;
  for (let k = count; k > 0; k -= k & -k) sum += tree[k];
  return sum;
}

/** Removes one stratum's entries again (cheaper than zeroing the whole tree per stratum). */
function clearTree(
  tree: Float64Array,
  atRank: Float64Array,
  order: Uint32Array,
  from: number,
  to: number,
  ranks: Uint32Array,
  weight: Float64Array | undefined,
): number {
  for (let q = from; q < to; q++) {
    treeAdd(tree, ranks[order[q]], -(weight ? weight[order[q]] : 1));
    atRank[ranks[order[q]]] = 0;
  }
  return 0;
}
