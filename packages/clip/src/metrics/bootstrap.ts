import { Rng } from 'renal-core';

/** A point estimate with its percentile bootstrap confidence interval. */
export interface Estimate {
  value: number;
  low: number;
  high: number;
}

/** Options of {@link bootstrapCi}. */
export interface BootstrapOptions {
  /** Resamples (default 1000). */
  resamples?: number;
  /** Confidence level (default 0.95). */
  level?: number;
  seed?: number;
}

/**
 * Percentile bootstrap CI of a metric over n cases: the metric is computed on the full data and on `resamples`
 * seeded resamples of case indices (with replacement); resamples where the metric is not finite (e.g. one class
 * only) are skipped. The interval is NaN when fewer than 10 resamples were usable.
 */
export function bootstrapCi(
  n: number,
  metric: (indices: number[]) => number,
  options: BootstrapOptions = {},
): Estimate {
  const { resamples = 1000, level = 0.95, seed = 0 } = options;
  const all = Array.from({ length: n }, (_, i) => i);
  const value = metric(all);
  const rng = new Rng(seed);
  const values: number[] = [];
  const indices = new Array<number>(n);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) indices[i] = rng.int(n);
    const v = metric(indices);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length < 10) return { value, low: Number.NaN, high: Number.NaN };
  values.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { value, low: quantile(values, alpha), high: quantile(values, 1 - alpha) };
}

/** Linear-interpolated quantile of sorted values. */
export function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** Picks the entries at the given indices. */
export function pick<T>(values: ArrayLike<T>, indices: number[]): T[] {
  return indices.map((i) => values[i]);
}
