import { Rng } from 'renal-core';
import type { KidneyRecord, Split } from './manifest.js';

/** A cohort divided by patient: no patient's kidneys appear in two splits. */
export interface Splits {
  train: KidneyRecord[];
  val: KidneyRecord[];
  test: KidneyRecord[];
}

/** A patient whose kidneys the manifest places in different splits. */
export class SplitLeakError extends Error {
  override name = 'SplitLeakError';
}

/** Fractions of patients per split (normalised) and the shuffling seed. */
export interface SplitOptions {
  train?: number;
  val?: number;
  test?: number;
  seed?: number;
  /** Keep the manifest's own `split` field when every record has one (default true). */
  useManifestSplit?: boolean;
}

/**
 * Splits records by patient. When every record carries a `split`, those are kept (and checked: one patient,
 * one split); otherwise patients are shuffled with the seed and cut by the fractions (default 60/20/20).
 */
export function splitByPatient(records: KidneyRecord[], options: SplitOptions = {}): Splits {
  const byPatient = groupByPatient(records);
  const useOwn = (options.useManifestSplit ?? true) && records.every((r) => r.split !== undefined);
  if (useOwn) return keepManifestSplits(byPatient);
  const { train = 0.6, val = 0.2, test = 0.2, seed = 0 } = options;
  const total = train + val + test;
  const patients = new Rng(seed).shuffle([...byPatient.keys()].sort());
  const nTrain = Math.round((patients.length * train) / total);
  const nVal = Math.round((patients.length * val) / total);
  const splits: Splits = { train: [], val: [], test: [] };
  patients.forEach((patient, i) => {
    const split: Split = i < nTrain ? 'train' : i < nTrain + nVal ? 'val' : 'test';
    for (const record of byPatient.get(patient)!) splits[split].push({ ...record, split });
  });
  return splits;
}

function groupByPatient(records: KidneyRecord[]): Map<string, KidneyRecord[]> {
  const byPatient = new Map<string, KidneyRecord[]>();
  for (const record of records) {
    const list = byPatient.get(record.patientId) ?? [];
    list.push(record);
    byPatient.set(record.patientId, list);
  }
  return byPatient;
}

function keepManifestSplits(byPatient: Map<string, KidneyRecord[]>): Splits {
  const splits: Splits = { train: [], val: [], test: [] };
  for (const [patient, list] of byPatient) {
    const names = new Set(list.map((r) => r.split));
    if (names.size > 1) {
      throw new SplitLeakError(
        `patient "${patient}" has kidneys in several splits: ${[...names].join(', ')}`,
      );
    }
    for (const record of list) splits[record.split!].push(record);
  }
  return splits;
}

/** A seeded subset holding `fraction` of the patients (at least one), for data-efficiency curves. */
export function subsampleByPatient(records: KidneyRecord[], fraction: number, seed: number): KidneyRecord[] {
  const byPatient = groupByPatient(records);
  const patients = new Rng(seed).shuffle([...byPatient.keys()].sort());
  const keep = Math.max(1, Math.round(patients.length * fraction));
  return patients.slice(0, keep).flatMap((p) => byPatient.get(p)!);
}

/**
 * The records stages 1 and 2 learn from: the cohort's training split, and a pretraining-only cohort when one is
 * given — as the paper pretrains on scans apart from the cohorts its tasks are scored on. A pretraining patient
 * or kidney id that the cohort also holds would let pretraining see validation or test scans, or mix two
 * kidneys' embeddings: a {@link SplitLeakError} naming it.
 */
export function pretrainingRecords(
  splits: Splits,
  pretraining: readonly KidneyRecord[] = [],
): KidneyRecord[] {
  const cohort = [...splits.train, ...splits.val, ...splits.test];
  const patients = new Set(cohort.map((r) => r.patientId));
  const ids = new Set(cohort.map((r) => r.id));
  const seen = new Set<string>();
  for (const record of pretraining) {
    if (patients.has(record.patientId))
      throw new SplitLeakError(
        `pretraining patient "${record.patientId}" is also in the cohort the tasks are scored on`,
      );
    if (ids.has(record.id) || seen.has(record.id))
      throw new SplitLeakError(
        `kidney id "${record.id}" appears twice across the cohort and the pretraining set`,
      );
    seen.add(record.id);
  }
  return [...splits.train, ...pretraining];
}
