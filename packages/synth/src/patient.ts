/**
 * One synthetic patient, in memory: anatomy, masses, pathology, the 14 labels, reports and outcomes of both
 * kidneys, and (optionally) the four phase volumes and the segmentation.
 */
import type { Rng } from 'renal-core';
import { type Anatomy, sampleAnatomy } from './anatomy.js';
import { observedAttributes, trueAttributes } from './attributes.js';
import { type MassFeatures, maxDiameterCm, sampleMass } from './mass.js';
import { type GridSpec, type PresetName, resolveGrid, resolveKnobs, type SynthKnobs } from './options.js';
import { diseaseRisk, type PatientOutcomes, sampleOutcomes } from './outcomes.js';
import { type MassPathology, samplePathology } from './pathology.js';
import { edgeMap, type PlacedMass, rasterise, renderPhase, renderSegmentation } from './phantom.js';
import { type MassGeometry, measureMass, renalScore } from './renal.js';
import { writeReport } from './report.js';
import { huTables, segmentationTable } from './tissues.js';
import { type Outcome, PHASES, type Phase, type RenalScore, type Side, type Vec3 } from './types.js';

/** A mass with everything derived from it. */
export interface MassRecord {
  features: MassFeatures;
  geometry: MassGeometry;
  renal: RenalScore;
  pathology: MassPathology;
}

/** One kidney: the unit of the manifest. */
export interface KidneyRecord {
  side: Side;
  /** Masses, dominant first; empty for a normal kidney. */
  masses: MassRecord[];
  /** The 14 labels as the report states them (−1 unknown). */
  attributes: number[];
  /** The 14 labels before label noise and gaps (−1 where not applicable). */
  trueAttributes: number[];
  report: string;
  /** R.E.N.A.L. parts of the dominant mass, null without a mass. */
  renal: RenalScore | null;
  malignant: boolean;
  aggressive: boolean;
  /** P(malignant | features) of the dominant mass (0 without a mass): the oracle score. */
  malignancyProbability: number;
  /** Voxel (i, j, k) of the dominant mass's centre, or of the kidney's centre without a mass. */
  center: Vec3;
}

/** The four phase images and the segmentation of a patient, with their geometry. */
export interface PatientVolumes {
  shape: [number, number, number];
  spacing: [number, number, number];
  /** 4×4 voxel → RAS+ (i toward the patient's left, j posterior, k superior; volume centred on 0). */
  affine: number[][];
  phases: Record<Phase, Int16Array>;
  /** KiTS labels: 0 background, 1 kidney, 2 tumour, 3 cyst. */
  segmentation: Uint8Array;
}

/** One patient. */
export interface PatientRecord {
  age: number;
  sex: 'male' | 'female';
  bmi: number;
  kidneys: Record<Side, KidneyRecord>;
  rfs: Outcome;
  dss: Outcome;
  os: Outcome;
  /** True risks the outcomes were drawn from (oracles). */
  diseaseRisk: number;
  rfsRisk: number;
  anatomy: Anatomy;
  /** Present when rendering was asked for. */
  volumes?: PatientVolumes;
}

/** Options of {@link generatePatient}. */
export interface PatientOptions {
  /** Grid preset or explicit grid (default 'paper'). */
  preset?: PresetName | GridSpec;
  knobs?: Partial<SynthKnobs>;
  /** Render the volumes (default true). */
  render?: boolean;
}

/** The volume's affine: voxel centres → RAS+ mm, centred on the origin. */
export function gridAffine(grid: GridSpec): number[][] {
  const [ni, nj, nk] = grid.shape;
  const [si, sj, sk] = grid.spacing;
  return [
    [-si, 0, 0, ((ni - 1) * si) / 2],
    [0, -sj, 0, ((nj - 1) * sj) / 2],
    [0, 0, sk, (-(nk - 1) * sk) / 2],
    [0, 0, 0, 1],
  ];
}

function voxelOf(grid: GridSpec, p: Vec3): Vec3 {
  return [0, 1, 2].map((d) =>
    Math.min(grid.shape[d] - 1, Math.max(0, Math.round(p[d] / grid.spacing[d] - 0.5))),
  ) as Vec3;
}

function massCount(rng: Rng, indexKidney: boolean): number {
  const u = rng.uniform();
  if (indexKidney) return u < 0.05 ? 0 : u < 0.93 ? 1 : 2;
  return u < 0.8 ? 0 : u < 0.97 ? 1 : 2;
}

function sampleKidneyMasses(rng: Rng, anatomy: Anatomy, side: Side, count: number): MassFeatures[] {
  const kidney = anatomy.kidneys[side];
  const masses: MassFeatures[] = [];
  if (count === 0) return masses;
  const dominant = sampleMass(rng, kidney);
  masses.push(dominant);
  if (count > 1) {
    const maxCm = Math.max(0.8, 0.6 * maxDiameterCm(dominant));
    let second = sampleMass(rng, kidney, { maxCm });
    for (let tries = 0; tries < 6; tries++) {
      const gap = Math.hypot(...([0, 1, 2].map((d) => second.center[d] - dominant.center[d]) as Vec3));
      if (gap > (Math.max(...dominant.diameters) + Math.max(...second.diameters)) / 2) break;
      second = sampleMass(rng, kidney, { maxCm });
    }
    masses.push(second);
  }
  return masses;
}

/**
 * Generates one patient from a seeded generator: everything is a deterministic function of the generator's
 * state and the options. Rendering (the slow part) can be skipped.
 */
export function generatePatient(rng: Rng, options: PatientOptions = {}): PatientRecord {
  const grid = resolveGrid(options.preset);
  const knobs = resolveKnobs(options.knobs);
  const streams = {
    anatomy: rng.fork(),
    masses: rng.fork(),
    pathology: rng.fork(),
    labels: rng.fork(),
    report: rng.fork(),
    outcome: rng.fork(),
    render: rng.fork(),
  };
  const age = Math.round(Math.min(88, Math.max(24, rng.normal(61, 11))));
  const sex = rng.bernoulli(0.62) ? 'male' : 'female';
  const bmi = Math.round(Math.min(48, Math.max(17, rng.normal(29, 5.5))) * 10) / 10;
  const anatomy = sampleAnatomy(streams.anatomy, grid);
  const indexSide: Side = streams.masses.bernoulli(0.5) ? 'L' : 'R';
  const features: Record<Side, MassFeatures[]> = { R: [], L: [] };
  for (const side of ['R', 'L'] as const) {
    features[side] = sampleKidneyMasses(
      streams.masses,
      anatomy,
      side,
      massCount(streams.masses, side === indexSide),
    );
  }
  const kidneys = {} as Record<Side, KidneyRecord>;
  for (const side of ['R', 'L'] as const) {
    const kidney = anatomy.kidneys[side];
    const masses: MassRecord[] = features[side].map((f) => {
      const geometry = measureMass(kidney, f);
      return {
        features: f,
        geometry,
        renal: renalScore(f, geometry),
        pathology: samplePathology(streams.pathology, f, geometry, knobs.pathologySignal),
      };
    });
    const truth = trueAttributes(
      masses.map((m) => m.features),
      masses.map((m) => m.geometry),
    );
    const attributes = observedAttributes(streams.labels, truth, knobs.labelNoise, knobs.unknownRate);
    const dominant = masses[0];
    const renal = dominant?.renal ?? null;
    const malignancyProbability = dominant?.pathology.malignancyProbability ?? 0;
    const report = writeReport(streams.report, {
      side,
      labels: attributes,
      masses: masses.map((m) => m.features),
      geometry: masses.map((m) => m.geometry),
      malignancyProbability,
      renal,
    });
    kidneys[side] = {
      side,
      masses,
      attributes,
      trueAttributes: truth,
      report,
      renal,
      malignant: dominant?.pathology.malignant ?? false,
      aggressive: dominant?.pathology.aggressive ?? false,
      malignancyProbability,
      center: voxelOf(grid, dominant ? dominant.features.center : kidney.center),
    };
  }
  const carcinomas = [...kidneys.R.masses, ...kidneys.L.masses]
    .map((m) => m.pathology)
    .filter((p) => p.malignant);
  const risk = diseaseRisk(carcinomas, knobs.outcomeSignal);
  const outcomes: PatientOutcomes = sampleOutcomes(streams.outcome, age, risk);
  const record: PatientRecord = {
    age,
    sex,
    bmi,
    kidneys,
    rfs: outcomes.rfs,
    dss: outcomes.dss,
    os: outcomes.os,
    diseaseRisk: outcomes.diseaseRisk,
    rfsRisk: outcomes.rfsRisk,
    anatomy,
  };
  if (options.render !== false) record.volumes = renderPatient(streams.render, record, grid, knobs);
  return record;
}

/** All masses of a patient in tissue-code order (right kidney first). */
export function placedMasses(record: PatientRecord): PlacedMass[] {
  const placed: PlacedMass[] = [];
  for (const side of ['R', 'L'] as const) {
    for (const m of record.kidneys[side].masses)
      placed.push({ mass: m.features, side, index: placed.length });
  }
  return placed;
}

function renderPatient(rng: Rng, record: PatientRecord, grid: GridSpec, knobs: SynthKnobs): PatientVolumes {
  const placed = placedMasses(record);
  const pathologies = [...record.kidneys.R.masses, ...record.kidneys.L.masses].map(
    (m) => m.pathology.pathology,
  );
  const map = rasterise(record.anatomy, grid, placed);
  const tables = huTables(
    rng,
    placed.map((p) => p.mass),
    knobs.imageSignal,
  );
  const phases = {} as Record<Phase, Int16Array>;
  const edges = edgeMap(map);
  PHASES.forEach((phase, p) => {
    phases[phase] = renderPhase(map, edges, tables[p], knobs.noiseHU, rng.nextUint32());
  });
  const segmentation = renderSegmentation(
    map,
    segmentationTable(pathologies.map((p) => ({ cyst: p === 'cyst' }))),
  );
  return {
    shape: [...grid.shape],
    spacing: [...grid.spacing],
    affine: gridAffine(grid),
    phases,
    segmentation,
  };
}
