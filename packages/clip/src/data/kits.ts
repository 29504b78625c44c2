import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { applyAffine, readNifti, type Volume } from 'renal-volume-io';
import type { KidneyRecord } from './manifest.js';

/** A KiTS folder or clinical record that cannot be used. */
export class KitsError extends Error {
  override name = 'KitsError';
}

/** The KiTS clinical fields renal-clip uses (KiTS19/21/23 names). */
export interface KitsClinical {
  case_id: string;
  malignant?: boolean | number;
  tumor_isup_grade?: number | string | null;
  pathology_t_stage?: string | number | null;
  vital_status?: string | boolean | null;
  vital_days_after_surgery?: number | null;
}

const CLINICAL_NAMES = ['kits.json', 'kits23.json', 'kits21.json', 'kits19.json', 'clinical.json'];

/** Reads the clinical records: a root JSON array (`kits.json` …) or one `clinical.json` per case folder. */
export function readKitsClinical(dir: string): Map<string, KitsClinical> {
  const records = new Map<string, KitsClinical>();
  const rootFile = CLINICAL_NAMES.map((n) => join(dir, n)).find(existsSync);
  if (rootFile) {
    const parsed = parseJson(rootFile);
    if (!Array.isArray(parsed)) throw new KitsError(`${rootFile}: expected a JSON array of cases`);
    for (const entry of parsed as KitsClinical[]) records.set(String(entry.case_id), entry);
  }
  for (const name of caseFolders(dir)) {
    const file = join(dir, name, 'clinical.json');
    if (!records.has(name) && existsSync(file))
      records.set(name, { case_id: name, ...(parseJson(file) as object) });
  }
  return records;
}

function parseJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KitsError(`${file}: ${(error as Error).message}`);
  }
}

function caseFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^case_\d+$/.test(d.name))
    .map((d) => d.name)
    .sort();
}

/** Aggressive: ISUP grade ≥ 3 or pathological T stage ≥ 3 (undefined when neither is recorded). */
export function kitsAggressive(clinical: KitsClinical): 0 | 1 | undefined {
  const grade = Number.parseInt(String(clinical.tumor_isup_grade ?? ''), 10);
  const stage = Number.parseInt(String(clinical.pathology_t_stage ?? '').replace(/^p?t/i, ''), 10);
  if (!Number.isFinite(grade) && !Number.isFinite(stage)) return undefined;
  return (Number.isFinite(grade) && grade >= 3) || (Number.isFinite(stage) && stage >= 3) ? 1 : 0;
}

/** Overall survival from `vital_status` + `vital_days_after_surgery` (undefined when either is missing). */
export function kitsOverallSurvival(clinical: KitsClinical): { time: number; event: 0 | 1 } | undefined {
  const days = clinical.vital_days_after_surgery;
  const status = clinical.vital_status;
  if (typeof days !== 'number' || !Number.isFinite(days) || status === undefined || status === null)
    return undefined;
  const dead = status === true || /dead|deceased|died/i.test(String(status));
  return { time: days / 30.4375, event: dead ? 1 : 0 };
}

/** Centre (voxel i, j, k) and side of the tumour — or of the kidney when there is no tumour — in a KiTS mask. */
export function tumourCenter(segmentation: Volume): { center: [number, number, number]; side: 'L' | 'R' } {
  const [nx, ny] = segmentation.shape;
  const sums = { tumour: [0, 0, 0, 0], kidney: [0, 0, 0, 0] };
  const data = segmentation.data;
  for (let index = 0; index < data.length; index++) {
    const label = data[index];
    if (label <= 0) continue;
    const target = label === 2 ? sums.tumour : sums.kidney;
    const i = index % nx;
    const j = Math.floor(index / nx) % ny;
    const k = Math.floor(index / (nx * ny));
    target[0] += i;
    target[1] += j;
    target[2] += k;
    target[3]++;
  }
  const chosen = sums.tumour[3] > 0 ? sums.tumour : sums.kidney;
  if (chosen[3] === 0)
    throw new KitsError(`${segmentation.source ?? 'segmentation'}: no kidney or tumour voxels`);
  const center: [number, number, number] = [
    Math.round(chosen[0] / chosen[3]),
    Math.round(chosen[1] / chosen[3]),
    Math.round(chosen[2] / chosen[3]),
  ];
  // NIfTI world coordinates are RAS+: x > midline means the patient's left.
  const mid = segmentation.shape.map((n) => (n - 1) / 2);
  const side =
    applyAffine(segmentation.affine, center)[0] > applyAffine(segmentation.affine, mid)[0] ? 'L' : 'R';
  return { center, side };
}

/**
 * Reads a KiTS folder (`case_XXXXX/imaging.nii.gz` + `segmentation.nii.gz` + clinical JSON) as kidney records:
 * one per case, the tumour's kidney, centred on the tumour (from the segmentation), phase A (KiTS scans are
 * late arterial / nephrographic). Malignancy from `malignant`, aggressiveness from ISUP ≥ 3 or pT ≥ 3, OS from
 * `vital_status` + `vital_days_after_surgery` (months). Cases without imaging are skipped.
 */
export async function readKitsFolder(dir: string): Promise<KidneyRecord[]> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new KitsError(`${root}: no such folder`);
  const clinical = readKitsClinical(root);
  const records: KidneyRecord[] = [];
  for (const name of caseFolders(root)) {
    const imaging = join(root, name, 'imaging.nii.gz');
    const segmentationFile = join(root, name, 'segmentation.nii.gz');
    if (!existsSync(imaging) || !existsSync(segmentationFile)) continue;
    const { center, side } = tumourCenter(await readNifti(segmentationFile));
    const info = clinical.get(name);
    const record: KidneyRecord = {
      id: `${name}_${side}`,
      patientId: name,
      side,
      phases: { A: imaging },
      center,
      mask: segmentationFile,
    };
    if (info?.malignant !== undefined && info.malignant !== null) record.malignant = info.malignant ? 1 : 0;
    if (info) {
      const aggressive = kitsAggressive(info);
      if (aggressive !== undefined) record.aggressive = aggressive;
      const os = kitsOverallSurvival(info);
      if (os) record.os = os;
    }
    records.push(record);
  }
  if (records.length === 0)
    throw new KitsError(`${root}: no case_XXXXX folder with imaging.nii.gz and segmentation.nii.gz`);
  return records;
}
