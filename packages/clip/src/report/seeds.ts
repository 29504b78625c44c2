import { nanMeanSd } from '../metrics/classification.js';
import type { PipelineResults, QualityCriterion } from './results.js';

/** One quality-bar criterion across several seeds. */
export interface SeedSpread {
  name: string;
  target: string;
  /** The criterion's unit, which decides how its values print. */
  unit: QualityCriterion['unit'];
  /** The value per seed, in the order of `seeds`. */
  values: number[];
  mean: number;
  /** Sample standard deviation (NaN for a single seed). */
  sd: number;
  min: number;
  max: number;
  /** Seeds on which the criterion was met. */
  met: number;
}

/** The quality bar of runs with different seeds, side by side: per criterion, each seed's value and their spread. */
export interface QualityBarAcrossSeeds {
  seeds: number[];
  criteria: SeedSpread[];
}

/**
 * Gathers the quality bar of several runs (one per seed) into one table: a criterion missing from a run counts
 * as NaN there and is left out of the mean, spread and extremes (NaN when no run measured it; JSON writes NaN
 * as null).
 */
export function qualityBarAcrossSeeds(runs: PipelineResults[]): QualityBarAcrossSeeds {
  const names = [...new Set(runs.flatMap((r) => r.qualityBar.map((q) => q.name)))];
  const criteria = names.map((name) => {
    const items = runs.map((r) => r.qualityBar.find((q) => q.name === name));
    const values = items.map((q) => q?.value ?? Number.NaN);
    const finite = values.filter(Number.isFinite);
    const { mean, sd } = nanMeanSd(values);
    return {
      name,
      target: items.find((q) => q)?.target ?? '',
      unit: items.find((q) => q)?.unit ?? 'score',
      values,
      mean,
      sd,
      min: finite.length ? Math.min(...finite) : Number.NaN,
      max: finite.length ? Math.max(...finite) : Number.NaN,
      met: items.filter((q) => q?.met).length,
    };
  });
  return { seeds: runs.map((r) => r.seed), criteria };
}
