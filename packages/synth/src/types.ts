/** Shared record types of a synthetic cohort. */

/** Kidney side, from the patient's point of view. */
export type Side = 'L' | 'R';

/** The four CT phases: non-contrast, arterial (corticomedullary), venous (nephrographic), delayed (excretory). */
export type Phase = 'N' | 'A' | 'V' | 'D';

/** All phases in acquisition order. */
export const PHASES: readonly Phase[] = ['N', 'A', 'V', 'D'];

/** A point or vector in millimetres, in the volume's voxel-axis frame (x along i, y along j, z along k). */
export type Vec3 = [number, number, number];

/** Histological diagnosis of a mass. */
export type Pathology = 'clear_cell' | 'papillary' | 'chromophobe' | 'oncocytoma' | 'angiomyolipoma' | 'cyst';

/** The pathologies in the order of `Mass.pathologyProbabilities`. */
export const PATHOLOGIES: readonly Pathology[] = [
  'clear_cell',
  'papillary',
  'chromophobe',
  'oncocytoma',
  'angiomyolipoma',
  'cyst',
];

/** Whether a pathology is a renal cell carcinoma. */
export function isMalignant(pathology: Pathology): boolean {
  return pathology === 'clear_cell' || pathology === 'papillary' || pathology === 'chromophobe';
}

/**
 * R.E.N.A.L. nephrometry parts by their clinical definitions (Kutikov & Uzzo 2009): R, E, N, L in points 1–3,
 * A as `a` (anterior), `p` (posterior) or `x` (neither), and the hilar suffix H.
 */
export interface RenalScore {
  /** Radius (maximal diameter): 1 ≤ 4 cm, 2 > 4 and < 7 cm, 3 ≥ 7 cm. */
  R: 1 | 2 | 3;
  /** Exophytic/endophytic: 1 ≥ 50 % exophytic, 2 < 50 %, 3 entirely endophytic. */
  E: 1 | 2 | 3;
  /** Nearness to the collecting system or sinus: 1 ≥ 7 mm, 2 > 4 and < 7 mm, 3 ≤ 4 mm. */
  N: 1 | 2 | 3;
  /** Anterior / posterior / neither, relative to the kidney's coronal midplane. */
  A: 'a' | 'p' | 'x';
  /** Location relative to the polar lines: 1 entirely polar, 2 crosses a polar line, 3 > 50 % interpolar or crosses the midline. */
  L: 1 | 2 | 3;
  /** Hilar: the mass touches the main renal vessels at the hilum. */
  H: boolean;
}

/** An event-time outcome in months. */
export interface Outcome {
  /** Months from surgery to the event or censoring. */
  time: number;
  /** True when the event was observed; false when censored. */
  event: boolean;
}
