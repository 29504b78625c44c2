/** Options of {@link cosineWithWarmup}. */
export interface CosineScheduleOptions {
  baseLr: number;
  totalSteps: number;
  /** Steps of linear warm-up from 0 (default 10 % of the total, as the paper). */
  warmupSteps?: number;
  /** Floor the cosine decays to (default 0). */
  minLr?: number;
}

/**
 * Learning rate at a 0-based step: linear warm-up to `baseLr` over `warmupSteps`, then half a cosine down to
 * `minLr` at `totalSteps`.
 */
export function cosineWithWarmup(step: number, options: CosineScheduleOptions): number {
  const { baseLr, totalSteps, minLr = 0 } = options;
  const warmup = options.warmupSteps ?? Math.floor(totalSteps * 0.1);
  if (step < warmup) return (baseLr * (step + 1)) / warmup;
  const span = Math.max(1, totalSteps - warmup);
  const progress = Math.min(1, (step - warmup) / span);
  return minLr + (baseLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
