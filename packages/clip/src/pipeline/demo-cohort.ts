import { join } from 'node:path';
import { generateCohort, type OracleFigures } from 'renal-synth';
import { type KidneyRecord, readManifest } from '../data/manifest.js';
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
  /**
   * Fractions of patients in train / val / test (default {@link DEMO_SPLITS}: a larger test split than
   * renal-synth's 70/15/15, so that the test metrics rest on more kidneys with a mass).
   */
  splits?: [number, number, number];
}

/** The demo's patient split: 60 % train, 15 % validation, 25 % test. */
export const DEMO_SPLITS: readonly [number, number, number] = [0.6, 0.15, 0.25];

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
    knobs: { splits: [...(options.splits ?? DEMO_SPLITS)] as [number, number, number] },
    onProgress: () => bar?.tick(),
  });
  return {
    manifest: join(dir, summary.manifest ?? summary.kitsJson ?? 'manifest.jsonl'),
    oracle: summary.oracle,
  };
}

/**
 * Added to a demo's seed for its pretraining cohort, so that the two cohorts differ and no demo seed in common use
 * scores its tasks on another's pretraining patients.
 */
export const PRETRAINING_SEED_OFFSET = 1_000_000;

/** Prefix of the pretraining cohort's patient and kidney ids: renal-synth numbers every cohort's patients alike. */
export const PRETRAINING_ID_PREFIX = 'pretrain_';

/**
 * Writes a demo's pretraining-only cohort (renal-synth, seed `seed` + {@link PRETRAINING_SEED_OFFSET}) and
 * returns its records with ids prefixed by {@link PRETRAINING_ID_PREFIX}, ready for
 * `PipelineOptions.pretrainRecords`.
 */
export async function writePretrainingCohort(
  dir: string,
  options: Omit<DemoCohortOptions, 'layout' | 'splits'>,
): Promise<{ manifest: string; seed: number; records: KidneyRecord[] }> {
  const seed = options.seed + PRETRAINING_SEED_OFFSET;
  const { manifest } = await writeDemoCohort(dir, { ...options, seed, layout: 'renal' });
  const records = readManifest(manifest).map((r) => ({
    ...r,
    id: `${PRETRAINING_ID_PREFIX}${r.id}`,
    patientId: `${PRETRAINING_ID_PREFIX}${r.patientId}`,
  }));
  return { manifest, seed, records };
}
