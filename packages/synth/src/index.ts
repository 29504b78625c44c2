/**
 * renal-synth: synthetic kidney-cancer CT cohorts — abdominal phantoms in four phases (N, A, V, D) with renal
 * masses, KiTS-style segmentations, the 14 report-derived attributes, R.E.N.A.L. parts, pathology,
 * free-text reports and survival outcomes, written as NIfTI plus `manifest.jsonl` (or a KiTS layout).
 *
 * @packageDocumentation
 */
export {
  assignSplits,
  type CohortOptions,
  type CohortSummary,
  type Compression,
  generateCohort,
  type Layout,
  type ManifestLine,
  type OracleFigures,
  patientSeed,
  SYNTH_MODEL_VERSION,
} from './cohort.js';
export {
  generatePatient,
  gridAffine,
  type KidneyRecord,
  type MassRecord,
  type PatientOptions,
  type PatientRecord,
  type PatientVolumes,
} from './patient.js';
export {
  DEFAULT_KNOBS,
  type GridSpec,
  PRESETS,
  type PresetName,
  resolveGrid,
  resolveKnobs,
  SynthOptionError,
  type SynthKnobs,
} from './options.js';
export {
  ATTRIBUTE_CLASS_COUNTS,
  ATTRIBUTES,
  type AttributeName,
  type AttributeSpec,
  attributeIndex,
  UNKNOWN,
} from './schema.js';
export {
  isMalignant,
  type Outcome,
  PATHOLOGIES,
  type Pathology,
  type Phase,
  PHASES,
  type RenalScore,
  type Side,
  type Vec3,
} from './types.js';
export { type KitsCase, kitsCase, permuteToKits } from './kits.js';
export { auc, concordanceIndex } from './oracle.js';
export { type MassGeometry, renalTotal } from './renal.js';
export type { Family, MassFeatures } from './mass.js';
export type { MassPathology } from './pathology.js';
export { diseaseRisk } from './outcomes.js';
export { TISSUE_HU, type TissueName } from './tissues.js';
export type { Anatomy, Blob, KidneyGeometry } from './anatomy.js';
