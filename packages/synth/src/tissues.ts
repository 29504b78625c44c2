/**
 * Tissue codes of the phantom's label map and their attenuation (HU) in each phase: N (non-contrast),
 * A (corticomedullary, ~35 s), V (nephrographic, ~100 s), D (excretory, ~8 min). Values follow published
 * multiphase renal CT ranges; each patient varies them a little (contrast timing and dose).
 */
import type { Rng } from 'renal-core';
import type { MassFeatures } from './mass.js';

/** Tissue codes (uint8 label map). Masses use `MASS_BASE + 8 * massIndex + component`. */
export const T = {
  AIR: 0,
  FAT: 1,
  MUSCLE: 2,
  BONE: 3,
  MARROW: 4,
  CSF: 5,
  LIVER: 6,
  SPLEEN: 7,
  AORTA: 8,
  IVC: 9,
  BOWEL_WALL: 10,
  BOWEL_GAS: 11,
  BOWEL_FLUID: 12,
  CORTEX: 13,
  MEDULLA: 14,
  SINUS_FAT: 15,
  URINE: 16,
  RENAL_VEIN: 17,
  SUBCUTANEOUS_FAT: 18,
  STRANDING: 19,
} as const;

/** Mass components, added to a mass's base code. */
export const C = {
  SOLID: 0,
  SOLID_B: 1,
  WALL: 2,
  FLUID: 3,
  NECROSIS: 4,
  FAT: 5,
  CALCIFICATION: 6,
  SCAR: 7,
} as const;

/** First mass code; mass `m` uses codes `MASS_BASE + 8m … MASS_BASE + 8m + 7`. */
export const MASS_BASE = 24;
/** At most this many masses per patient. */
export const MAX_MASSES = 4;
/** Size of the tissue lookup tables. */
export const TISSUE_COUNT = MASS_BASE + 8 * MAX_MASSES;

/** Names of the background tissues. */
export type TissueName = Exclude<keyof typeof T, never>;

/** Mean HU of the background tissues per phase [N, A, V, D] (before per-patient variation and noise). */
export const TISSUE_HU: Readonly<Record<TissueName, readonly [number, number, number, number]>> = {
  AIR: [-1000, -1000, -1000, -1000],
  FAT: [-100, -100, -98, -98],
  SUBCUTANEOUS_FAT: [-105, -105, -103, -103],
  MUSCLE: [50, 58, 64, 60],
  BONE: [760, 765, 770, 765],
  MARROW: [230, 240, 245, 240],
  CSF: [12, 12, 14, 14],
  LIVER: [58, 78, 112, 92],
  SPLEEN: [48, 125, 120, 100],
  AORTA: [42, 300, 165, 115],
  IVC: [42, 95, 160, 115],
  BOWEL_WALL: [40, 90, 100, 80],
  BOWEL_GAS: [-950, -950, -950, -950],
  BOWEL_FLUID: [12, 12, 14, 14],
  CORTEX: [35, 180, 165, 125],
  MEDULLA: [32, 75, 160, 140],
  SINUS_FAT: [-95, -95, -93, -93],
  URINE: [8, 8, 25, 650],
  RENAL_VEIN: [42, 140, 165, 115],
  STRANDING: [25, 35, 40, 38],
};

const BACKGROUND = (Object.keys(TISSUE_HU) as TissueName[]).map(
  (name) => [T[name], TISSUE_HU[name]] as const,
);

/** Per-phase HU lookup tables for one patient: `tables[phase][tissue]`. */
export type HuTables = Float32Array[];

/** Builds a patient's HU tables: background tissues with per-patient contrast variation, then each mass. */
export function huTables(rng: Rng, masses: MassFeatures[], imageSignal: number): HuTables {
  const tables = [0, 1, 2, 3].map(() => new Float32Array(TISSUE_COUNT));
  const arterial = rng.normal(1, 0.1);
  const venous = rng.normal(1, 0.08);
  const excreted = rng.uniformIn(0.6, 1.4);
  for (const [tissue, hu] of BACKGROUND) {
    for (let p = 0; p < 4; p++) {
      const base = hu[0];
      let value = hu[p];
      if (p > 0 && base > -200 && base < 300) {
        const gain = p === 1 ? arterial : p === 2 ? venous : 1;
        value = base + (value - base) * gain;
      }
      if (tissue === T.URINE && p === 3) value = base + (hu[3] - base) * excreted;
      tables[p][tissue] = value;
    }
  }
  masses.forEach((m, index) => {
    for (let p = 0; p < 4; p++) writeMassTissues(tables[p], m, index, p, imageSignal);
  });
  return tables;
}

function writeMassTissues(
  table: Float32Array,
  m: MassFeatures,
  index: number,
  phase: number,
  signal: number,
): void {
  const base = MASS_BASE + 8 * index;
  const rise = phase === 0 ? 0 : m.solidRise[phase - 1];
  const wallRise = phase === 0 ? 0 : m.wallRise[phase - 1];
  // What the tissue would look like if the image showed nothing: renal parenchyma of this phase.
  const parenchyma = (table[T.CORTEX] + table[T.MEDULLA]) / 2;
  const shown = (hu: number) => parenchyma + (hu - parenchyma) * signal;
  table[base + C.SOLID] = shown(m.solidHU + rise);
  table[base + C.SOLID_B] = shown(m.solidHU + 0.4 * rise);
  table[base + C.WALL] = shown(30 + wallRise);
  table[base + C.FLUID] = shown(m.fluidHU);
  table[base + C.NECROSIS] = shown(22 + (phase === 0 ? 0 : 4));
  table[base + C.FAT] = shown(-85);
  table[base + C.CALCIFICATION] = shown(450);
  const scarRise = phase === 0 ? 0 : [0.15, 0.45, 0.85][phase - 1] * m.solidRise[0];
  table[base + C.SCAR] = shown(m.solidHU - 6 + scarRise);
}

/** KiTS segmentation label of each tissue code: 1 kidney, 2 tumour, 3 cyst, 0 elsewhere. */
export function segmentationTable(masses: ReadonlyArray<{ cyst: boolean }>): Uint8Array {
  const table = new Uint8Array(TISSUE_COUNT);
  for (const t of [T.CORTEX, T.MEDULLA, T.SINUS_FAT, T.URINE]) table[t] = 1;
  masses.forEach((m, index) => {
    for (let c = 0; c < 8; c++) table[MASS_BASE + 8 * index + c] = m.cyst ? 3 : 2;
  });
  return table;
}
