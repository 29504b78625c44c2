import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/** The four CT phases: non-contrast, arterial (corticomedullary), venous (nephrographic), delayed (excretory). */
export type Phase = 'N' | 'A' | 'V' | 'D';
/** The phases in their usual order. */
export const PHASES: readonly Phase[] = ['N', 'A', 'V', 'D'];
/** Dataset split of a kidney. */
export type Split = 'train' | 'val' | 'test';
/** A survival outcome: time (months, or days for KiTS — the unit only has to be consistent) and event flag. */
export interface SurvivalOutcome {
  time: number;
  event: 0 | 1;
}
/** The R.E.N.A.L. nephrometry parts as class indices 0–2 (scores 1–3; A: anterior, posterior, neither) and H. */
export interface RenalParts {
  R: number;
  E: number;
  N: number;
  A: number;
  L: number;
  H: 0 | 1;
}

/** The number of classes of each of the 14 report-derived attributes (the paper's heads). */
export const ATTRIBUTE_CLASSES: readonly number[] = [3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3];

/** One kidney of a cohort, with every path resolved to an absolute path. */
export interface KidneyRecord {
  id: string;
  patientId: string;
  side: 'L' | 'R';
  /** Absolute path of the volume of each available phase. */
  phases: Partial<Record<Phase, string>>;
  /** Voxel (i, j, k) of the kidney or tumour centre. */
  center?: [number, number, number];
  /** Absolute path of a segmentation mask (used when no centre is given). */
  mask?: string;
  report?: string;
  /** 14 attribute class indices, −1 where unknown. */
  attributes?: number[];
  renal?: RenalParts;
  malignant?: 0 | 1;
  aggressive?: 0 | 1;
  rfs?: SurvivalOutcome;
  dss?: SurvivalOutcome;
  os?: SurvivalOutcome;
  split?: Split;
}

/** A manifest line that cannot be used; names the file and the 1-based line. */
export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

/** Reads and validates a `manifest.jsonl` (one kidney per line, blank lines ignored). */
export function readManifest(file: string): KidneyRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ManifestError(file, 0, `cannot read the manifest (${(error as Error).message})`);
  }
  return parseManifest(text, file);
}

/** Parses manifest text; `file` locates relative paths and names errors. */
export function parseManifest(text: string, file: string): KidneyRecord[] {
  const records: KidneyRecord[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw new ManifestError(file, i + 1, `not valid JSON (${(error as Error).message})`);
    }
    const record = validateRecord(json, file, i + 1);
    if (seen.has(record.id)) throw new ManifestError(file, i + 1, `duplicate id "${record.id}"`);
    seen.add(record.id);
    records.push(record);
  }
  if (records.length === 0) throw new ManifestError(file, 0, 'the manifest holds no kidneys');
  return records;
}

/** Resolves a manifest-relative path, refusing one that leaves the manifest's folder. */
export function resolveInside(file: string, line: number, path: unknown, field: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new ManifestError(file, line, `${field} must be a non-empty path string`);
  }
  const root = resolve(dirname(file));
  const full = resolve(root, path);
  const rel = relative(root, full);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ManifestError(file, line, `${field} "${path}" leaves the manifest's folder`);
  }
  return full;
}

function validateRecord(json: unknown, file: string, line: number): KidneyRecord {
  const fail = (problem: string): never => {
    throw new ManifestError(file, line, problem);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('each line must be a JSON object');
  const o = json as Record<string, unknown>;
  const id = o.id;
  if (typeof id !== 'string' || id === '') fail('"id" must be a non-empty string');
  const patientId = o.patientId ?? o.patient_id;
  if (typeof patientId !== 'string' || patientId === '') fail('"patientId" must be a non-empty string');
  if (o.side !== 'L' && o.side !== 'R') fail(`"side" must be "L" or "R", got ${JSON.stringify(o.side)}`);
  const record: KidneyRecord = {
    id: id as string,
    patientId: patientId as string,
    side: o.side as 'L' | 'R',
    phases: readPhases(o.phases, file, line),
  };
  if (o.center !== undefined) record.center = readCenter(o.center, fail);
  if (o.mask !== undefined) record.mask = resolveInside(file, line, o.mask, '"mask"');
  if (o.report !== undefined) {
    if (typeof o.report !== 'string') fail('"report" must be a string');
    record.report = o.report as string;
  }
  if (o.attributes !== undefined) record.attributes = readAttributes(o.attributes, fail);
  if (o.renal !== undefined) record.renal = readRenal(o.renal, fail);
  for (const key of ['malignant', 'aggressive'] as const) {
    if (o[key] !== undefined && o[key] !== null) record[key] = readFlag(o[key], key, fail);
  }
  for (const key of ['rfs', 'dss', 'os'] as const) {
    if (o[key] !== undefined && o[key] !== null) record[key] = readOutcome(o[key], key, fail);
  }
  if (o.split !== undefined) {
    if (o.split !== 'train' && o.split !== 'val' && o.split !== 'test') {
      fail(`"split" must be train, val or test, got ${JSON.stringify(o.split)}`);
    }
    record.split = o.split as Split;
  }
  return record;
}

function readPhases(value: unknown, file: string, line: number): Partial<Record<Phase, string>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestError(file, line, '"phases" must be an object such as {"A": "a.nii.gz"}');
  }
  const phases: Partial<Record<Phase, string>> = {};
  for (const [key, path] of Object.entries(value)) {
    if (!PHASES.includes(key as Phase)) {
      throw new ManifestError(file, line, `unknown phase "${key}" (expected N, A, V or D)`);
    }
    phases[key as Phase] = resolveInside(file, line, path, `phases.${key}`);
  }
  if (Object.keys(phases).length === 0) throw new ManifestError(file, line, '"phases" names no volume');
  return phases;
}

function readCenter(value: unknown, fail: (p: string) => never): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((v) => Number.isFinite(v))) {
    fail('"center" must be three finite voxel coordinates [i, j, k]');
  }
  return value as [number, number, number];
}

function readAttributes(value: unknown, fail: (p: string) => never): number[] {
  if (!Array.isArray(value) || value.length !== ATTRIBUTE_CLASSES.length) {
    fail(`"attributes" must be an array of ${ATTRIBUTE_CLASSES.length} integers`);
  }
  const values = value as unknown[];
  values.forEach((v, k) => {
    if (!Number.isInteger(v) || (v as number) < -1 || (v as number) >= ATTRIBUTE_CLASSES[k]) {
      fail(`attribute ${k} is ${JSON.stringify(v)}: must be −1 (unknown) or 0…${ATTRIBUTE_CLASSES[k] - 1}`);
    }
  });
  return values as number[];
}

/** Maps a R.E.N.A.L. part to a class index 0–2: scores 1–3, or A as a/p/x. */
function renalClass(value: unknown, part: string, fail: (p: string) => never): number {
  if (part === 'A' && typeof value === 'string') {
    const index = ['a', 'p', 'x'].indexOf(value.toLowerCase());
    if (index >= 0) return index;
  }
  if (value === 1 || value === 2 || value === 3) return (value as number) - 1;
  return fail(`renal.${part} must be a score 1, 2 or 3${part === 'A' ? ' (or "a", "p", "x")' : ''}`);
}

function readRenal(value: unknown, fail: (p: string) => never): RenalParts {
  if (typeof value !== 'object' || value === null) fail('"renal" must be an object {R,E,N,A,L,H}');
  const o = value as Record<string, unknown>;
  const h = o.H ?? 0;
  const hilar = h === 'h' || h === true || h === 1 ? 1 : 0;
  return {
    R: renalClass(o.R, 'R', fail),
    E: renalClass(o.E, 'E', fail),
    N: renalClass(o.N, 'N', fail),
    A: renalClass(o.A, 'A', fail),
    L: renalClass(o.L, 'L', fail),
    H: hilar,
  };
}

function readFlag(value: unknown, key: string, fail: (p: string) => never): 0 | 1 {
  if (value === true || value === 1) return 1;
  if (value === false || value === 0) return 0;
  return fail(`"${key}" must be 0/1 or true/false, got ${JSON.stringify(value)}`);
}

function readOutcome(value: unknown, key: string, fail: (p: string) => never): SurvivalOutcome {
  const o = value as Record<string, unknown>;
  if (typeof o !== 'object' || !Number.isFinite(o.time) || (o.time as number) < 0) {
    fail(`"${key}.time" must be a non-negative number`);
  }
  const event = o.event === true || o.event === 1 ? 1 : o.event === false || o.event === 0 ? 0 : -1;
  if (event < 0) fail(`"${key}.event" must be 0 or 1`);
  return { time: o.time as number, event: event as 0 | 1 };
}
