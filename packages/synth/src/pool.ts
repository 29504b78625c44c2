/**
 * Where patients come from while a cohort is written: generated in this thread, or by a pool of worker
 * threads (each patient still depends only on its own seed, so both give the same bytes). Results are handed
 * out in patient order.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from 'renal-core';
import type { GridSpec, SynthKnobs } from './options.js';
import { generatePatient, type PatientRecord } from './patient.js';

/** Produces patient `index` from `seed`. */
export interface PatientSource {
  generate(index: number, seed: number): Promise<PatientRecord>;
  close(): Promise<void>;
}

/** In this thread. */
export function localSource(grid: GridSpec, knobs: SynthKnobs): PatientSource {
  return {
    generate: async (_index, seed) => generatePatient(new Rng(seed), { preset: grid, knobs }),
    close: async () => {},
  };
}

/** The worker entry next to this module, when it exists (it does in the built package, not in `src/`). */
export function workerEntry(): URL | null {
  const url = new URL('./worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
}

interface Pending {
  resolve: (p: PatientRecord) => void;
  reject: (e: Error) => void;
}

/** A pool of `size` worker threads; job `i` goes to worker `i mod size`, which answers its jobs in order. */
export function workerSource(entry: URL, size: number, grid: GridSpec, knobs: SynthKnobs): PatientSource {
  const workers = Array.from({ length: size }, () => new Worker(entry));
  const queues: Pending[][] = workers.map(() => []);
  workers.forEach((worker, w) => {
    worker.on('message', (message: { patient?: PatientRecord; error?: string }) => {
      const pending = queues[w].shift();
      if (!pending) return;
      if (message.error !== undefined || !message.patient) {
        pending.reject(new Error(`renal-synth worker: ${message.error}`));
      } else pending.resolve(message.patient);
    });
    worker.on('error', (error) => {
      for (const pending of queues[w].splice(0)) pending.reject(error);
    });
  });
  return {
    generate(index, seed) {
      const w = index % size;
      return new Promise<PatientRecord>((resolve, reject) => {
        queues[w].push({ resolve, reject });
        workers[w].postMessage({ index, seed, grid, knobs });
      });
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
