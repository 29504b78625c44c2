/**
 * Worker-thread entry of {@link generateCohort}: generates the patients it is sent and posts them back with
 * their volumes' buffers transferred (not copied). Loaded from `dist/worker.js` beside the bundle.
 */
import { parentPort } from 'node:worker_threads';
import { Rng } from 'renal-core';
import type { GridSpec, SynthKnobs } from './options.js';
import { generatePatient } from './patient.js';

/** A job: which patient, from which seed, on which grid with which knobs. */
export interface PatientJob {
  index: number;
  seed: number;
  grid: GridSpec;
  knobs: SynthKnobs;
}

parentPort?.on('message', (job: PatientJob) => {
  try {
    const patient = generatePatient(new Rng(job.seed), { preset: job.grid, knobs: job.knobs });
    const v = patient.volumes;
    const buffers = v
      ? [v.phases.N, v.phases.A, v.phases.V, v.phases.D, v.segmentation].map((a) => a.buffer)
      : [];
    parentPort?.postMessage({ index: job.index, patient }, buffers as ArrayBuffer[]);
  } catch (error) {
    parentPort?.postMessage({ index: job.index, error: (error as Error).message });
  }
});
