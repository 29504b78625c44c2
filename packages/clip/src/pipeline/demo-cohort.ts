/** Options of {@link writeDemoCohort}. */
export interface DemoCohortOptions {
  patients: number;
  seed: number;
  preset: 'tiny' | 'paper';
}

/** Writes a fresh synthetic cohort with renal-synth; returns its manifest path. */
export async function writeDemoCohort(dir: string, options: DemoCohortOptions): Promise<string> {
  throw new Error(
    `renal-synth has not landed its cohort writer yet (wanted ${options.patients} patients in ${dir})`,
  );
}
