/**
 * The KiTS layout: KiTS stores volumes slices-first (axis 0 is k) and keeps clinical data in a root
 * `kits.json` array with its own field names; this writes our patients the same way, so a KiTS adapter can
 * be tested without KiTS.
 */
import type { Volume } from 'renal-volume-io';
import { maxDiameterCm } from './mass.js';
import type { MassRecord, PatientRecord } from './patient.js';
import type { Pathology } from './types.js';

/** KiTS21 names of the histologic subtypes. */
const KITS_SUBTYPE: Record<Pathology, string> = {
  clear_cell: 'clear_cell_rcc',
  papillary: 'papillary',
  chromophobe: 'chromophobe',
  oncocytoma: 'oncocytoma',
  angiomyolipoma: 'angiomyolipoma',
  cyst: 'cyst',
};

/** One case of `kits.json`, with KiTS field names. */
export interface KitsCase {
  case_id: string;
  age_at_nephrectomy: number;
  gender: 'male' | 'female';
  body_mass_index: number;
  malignant: boolean;
  radiographic_size: number | null;
  tumor_histologic_subtype: string | null;
  tumor_isup_grade: number | null;
  tumor_necrosis: boolean | null;
  pathology_t_stage: string | null;
  pathology_n_stage: string | null;
  pathology_m_stage: string | null;
  vital_status: 'alive' | 'dead';
  vital_days_after_surgery: number;
  voxel_spacing: { x_spacing: number; y_spacing: number; z_spacing: number };
}

/** The case's index mass: its worst carcinoma, else its largest mass. */
function indexMass(patient: PatientRecord): MassRecord | undefined {
  const masses = [...patient.kidneys.R.masses, ...patient.kidneys.L.masses];
  const carcinomas = masses.filter((m) => m.pathology.malignant);
  const pool = carcinomas.length > 0 ? carcinomas : masses;
  return pool.sort((a, b) => maxDiameterCm(b.features) - maxDiameterCm(a.features))[0];
}

/** The clinical record of a patient in KiTS's fields (OS in days from `os`, months × 30.4375). */
export function kitsCase(
  caseId: string,
  patient: PatientRecord,
  spacing: [number, number, number],
): KitsCase {
  const m = indexMass(patient);
  const p = m?.pathology;
  return {
    case_id: caseId,
    age_at_nephrectomy: patient.age,
    gender: patient.sex,
    body_mass_index: patient.bmi,
    malignant: p?.malignant ?? false,
    radiographic_size: m ? maxDiameterCm(m.features) : null,
    tumor_histologic_subtype: p ? KITS_SUBTYPE[p.pathology] : null,
    tumor_isup_grade: p?.isupGrade ?? null,
    tumor_necrosis: m ? m.features.necrosis > 0 : null,
    pathology_t_stage: p?.tStage ?? null,
    pathology_n_stage: p?.malignant ? p.nStage : null,
    pathology_m_stage: p?.malignant ? p.mStage : null,
    vital_status: patient.os.event ? 'dead' : 'alive',
    vital_days_after_surgery: Math.round(patient.os.time * 30.4375),
    voxel_spacing: { x_spacing: spacing[0], y_spacing: spacing[1], z_spacing: spacing[2] },
  };
}

/** Reorders a volume to KiTS's axis order (k, j, i): same voxels in the world, affine columns permuted. */
export function permuteToKits(volume: Volume): Volume {
  const [ni, nj, nk] = volume.shape;
  const source = volume.data;
  const data = new (source.constructor as new (n: number) => typeof source)(source.length);
  for (let k = 0; k < nk; k++) {
    for (let j = 0; j < nj; j++) {
      const row = ni * (j + nj * k);
      for (let i = 0; i < ni; i++) data[k + nk * (j + nj * i)] = source[row + i];
    }
  }
  const a = volume.affine;
  const affine = a.map((r) => [r[2], r[1], r[0], r[3]]);
  return {
    ...volume,
    data,
    shape: [nk, nj, ni],
    spacing: [volume.spacing[2], volume.spacing[1], volume.spacing[0]],
    affine,
  };
}
