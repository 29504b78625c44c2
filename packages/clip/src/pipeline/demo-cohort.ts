import { join } from 'node:path';
import { generateCohort, type OracleFigures } from 'renal-synth';
import { ProgressBar } from '../train/progress.js';

/** Options of {@link writeDemoCohort}. */
export interface DemoCohortOptions {
  patients: number;
  seed: number;
  preset: 'tiny' | 'paper';
  /** Show a progress bar on stderr (default true). */
  progress?: boolean;
  /** `renal` (NIfTI + manifest.jsonl, default) or `kits` (case_XXXXX folders + kits.json). */
  layout?: 'renal' | 'kits';
}

/**
 * Writes a fresh synthetic cohort with renal-synth (NIfTI per phase + `manifest.jsonl`); returns the manifest
 * path and the generator's oracle figures (the ceiling an ideal model could reach).
 */
export async function writeDemoCohort(
  dir: string,
  options: DemoCohortOptions,
): Promise<{ manifest: string; oracle: OracleFigures }> {
  const bar = options.progress === false ? undefined : new ProgressBar('synthetic cohort', options.patients);
  const summary = await generateCohort({
    out: dir,
    patients: options.patients,
    seed: options.seed,
    preset: options.preset,
    layout: options.layout ?? 'renal',
    onProgress: () => bar?.tick(),
  });
  return {
    manifest: join(dir, summary.manifest ?? summary.kitsJson ?? 'manifest.jsonl'),
    oracle: summary.oracle,
  };
}
