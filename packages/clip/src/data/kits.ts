import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { kidneyRegions, readNifti } from 'renal-volume-io';
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

/**
 * Reads a KiTS folder (`case_XXXXX/imaging.nii.gz` + `segmentation.nii.gz` + clinical JSON) as kidney records:
 * one per tumour-bearing kidney, centred on its tumour, phase A (KiTS scans are late arterial / nephrographic).
 * Kidneys are told apart and given their side by renal-volume-io's `kidneyRegions` (connected components, RAS x);
 * a kidney without tumour is skipped, since KiTS's clinical labels describe the tumour. Malignancy from
 * `malignant`, aggressiveness from ISUP ≥ 3 or pT ≥ 3, OS from `vital_status` + `vital_days_after_surgery`
 * (months). Cases without imaging are skipped.
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
    const labels = clinicalLabels(clinical.get(name));
    for (const kidney of kidneyRegions(await readNifti(segmentationFile))) {
      if (kidney.tumorCenter === undefined) continue;
      records.push({
        id: `${name}_${kidney.side}`,
        patientId: name,
        side: kidney.side,
        phases: { A: imaging },
        center: kidney.tumorCenter.map(Math.round) as [number, number, number],
        mask: segmentationFile,
        ...labels,
      });
    }
  }
  if (records.length === 0)
    throw new KitsError(`${root}: no case_XXXXX folder with imaging.nii.gz and segmentation.nii.gz`);
  return records;
}

function clinicalLabels(
  info: KitsClinical | undefined,
): Pick<KidneyRecord, 'malignant' | 'aggressive' | 'os'> {
  if (info === undefined) return {};
  const labels: Pick<KidneyRecord, 'malignant' | 'aggressive' | 'os'> = {};
  if (info.malignant !== undefined && info.malignant !== null) labels.malignant = info.malignant ? 1 : 0;
  const aggressive = kitsAggressive(info);
  if (aggressive !== undefined) labels.aggressive = aggressive;
  const os = kitsOverallSurvival(info);
  if (os) labels.os = os;
  return labels;
}
