/**
 * Writing a cohort to disk, one patient at a time: generate (main thread), then gzip and write its volumes on
 * libuv's thread pool while the next patient is generated, with at most a few patients in flight so memory
 * stays bounded. Lines are written in patient order, so the same seed gives byte-identical files.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip, type ZlibOptions } from 'node:zlib';
import { Rng } from 'renal-core';
import { encodeNifti, type Volume } from 'renal-volume-io';
import { kitsCase, permuteToKits } from './kits.js';
import {
  type GridSpec,
  type PresetName,
  resolveGrid,
  resolveKnobs,
  SynthOptionError,
  type SynthKnobs,
} from './options.js';
import { auc, concordanceIndex } from './oracle.js';
import type { KidneyRecord, PatientRecord, PatientVolumes } from './patient.js';
import { localSource, workerEntry, workerSource } from './pool.js';
import { ATTRIBUTES } from './schema.js';
import { PATHOLOGIES, PHASES, type Outcome, type Phase, type RenalScore, type Side } from './types.js';

const gzipAsync = promisify(gzip);

/** Version of the generator's model; part of the metadata so cohorts can be told apart. */
export const SYNTH_MODEL_VERSION = 1;

/** Output layout: the renal-clip manifest, or a KiTS-style folder. */
export type Layout = 'renal' | 'kits';

/** Options of {@link generateCohort}. */
export interface CohortOptions {
  /** Output folder (created if needed). */
  out: string;
  /** Number of patients (two kidneys each). */
  patients: number;
  /** Seed: the same seed, options and version give byte-identical files. */
  seed: number;
  /** Grid preset or explicit grid (default 'paper'). */
  preset?: PresetName | GridSpec;
  /** Output layout (default 'renal'). */
  layout?: Layout;
  knobs?: Partial<SynthKnobs>;
  /**
   * How the volumes are gzipped: `fast` (default; Huffman-only deflate — scanner noise leaves little for
   * string matching, so this halves the CPU for ~15 % larger files), `balanced` (level 1), `small` (level 6).
   */
  compression?: Compression;
  /** Patients whose files may be compressing at once (default 3; bounds memory). */
  inFlight?: number;
  /**
   * Worker threads generating patients (0 = this thread). Default: none on one or two cores (there the main
   * thread renders while the thread pool compresses, which already keeps both busy), else one per core but one,
   * at most 4. Used when the built package's `worker.js` is present; the files are the same either way.
   */
  workers?: number;
  /** Called after each patient is generated (`done` of `total`). */
  onProgress?: (done: number, total: number) => void;
}

/** One line of `manifest.jsonl` (ARCHITECTURE.md), plus a few documented extras. */
export interface ManifestLine {
  id: string;
  patientId: string;
  side: Side;
  /** Phase → path relative to the manifest. */
  phases: Record<Phase, string>;
  /** Voxel (i, j, k) of the dominant mass's centre, or of the kidney's centre without a mass. */
  center: [number, number, number];
  report: string;
  attributes: number[];
  /** Absent for a kidney without a mass. */
  renal?: RenalScore;
  malignant: boolean;
  aggressive: boolean;
  rfs: Outcome;
  dss: Outcome;
  os: Outcome;
  split: 'train' | 'val' | 'test';
  /** Extra: the KiTS-label segmentation (1 kidney, 2 tumour, 3 cyst), relative path. */
  segmentation: string;
  /** Extra: histology of the dominant mass, null without a mass. */
  pathology: string | null;
}

/** Oracle figures: what the true generating quantities achieve on the generated labels. */
export interface OracleFigures {
  /** AUC of P(malignant | features) for malignancy, over kidneys with a mass. */
  malignancyAuc: number;
  /** C-index of the true RFS risk against RFS / DSS / OS, over all patients. */
  rfsCindex: number;
  dssCindex: number;
  osCindex: number;
  /** C-index of the true RFS risk against RFS over patients with a carcinoma. */
  rfsCindexMalignant: number;
}

/** What {@link generateCohort} returns and writes to `manifest.meta.json`. */
export interface CohortSummary {
  generator: 'renal-synth';
  modelVersion: number;
  seed: number;
  patients: number;
  kidneys: number;
  layout: Layout;
  grid: GridSpec;
  knobs: SynthKnobs;
  /** Files written, relative to `out`. */
  manifest: string | null;
  kitsJson: string | null;
  splits: Record<'train' | 'val' | 'test', number>;
  counts: {
    kidneysWithMass: number;
    malignant: number;
    aggressive: number;
    pathology: Record<string, number>;
    /** Per attribute, the count of each class and of unknown (last). */
    attributes: Record<string, number[]>;
  };
  oracle: OracleFigures;
  attributeSchema: typeof ATTRIBUTES;
}

/** A patient's own seed: independent of how many patients the cohort has. */
export function patientSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Patient-level splits: a seeded shuffle cut into train / val / test by the given fractions. */
export function assignSplits(
  patients: number,
  seed: number,
  fractions: [number, number, number],
): Array<'train' | 'val' | 'test'> {
  const order = new Rng(patientSeed(seed, -1)).shuffle(Array.from({ length: patients }, (_, i) => i));
  const total = fractions[0] + fractions[1] + fractions[2];
  const train = Math.round((patients * fractions[0]) / total);
  const val = Math.round((patients * fractions[1]) / total);
  const splits = new Array<'train' | 'val' | 'test'>(patients);
  order.forEach((patient, rank) => {
    splits[patient] = rank < train ? 'train' : rank < train + val ? 'val' : 'test';
  });
  return splits;
}

function patientId(index: number): string {
  return `synth_${String(index).padStart(5, '0')}`;
}

/** Writes bytes atomically (temporary file, then rename). */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, path);
}

/** gzip settings of the volumes. */
export type Compression = 'fast' | 'balanced' | 'small';

const GZIP: Record<Compression, ZlibOptions> = {
  fast: { level: 1, strategy: constants.Z_HUFFMAN_ONLY },
  balanced: { level: 1 },
  small: { level: 6 },
};

async function writeVolume(path: string, volume: Volume, gzipOptions: ZlibOptions): Promise<void> {
  const raw = encodeNifti(volume, { description: 'renal-synth' });
  // One large output chunk: far fewer round trips between the thread pool and the main thread.
  await writeAtomic(path, await gzipAsync(raw, { ...gzipOptions, chunkSize: 1 << 20 }));
}

function asVolume(v: PatientVolumes, data: Int16Array | Uint8Array, source: string): Volume {
  return {
    data,
    shape: v.shape,
    spacing: v.spacing,
    affine: v.affine,
    datatype: data instanceof Int16Array ? 'int16' : 'uint8',
    source,
  };
}

function manifestLine(
  id: string,
  kidney: KidneyRecord,
  patient: PatientRecord,
  folder: string,
  split: 'train' | 'val' | 'test',
): ManifestLine {
  const phases = Object.fromEntries(PHASES.map((p) => [p, `${folder}/${p}.nii.gz`])) as Record<Phase, string>;
  const line: ManifestLine = {
    id: `${id}_${kidney.side}`,
    patientId: id,
    side: kidney.side,
    phases,
    center: kidney.center,
    report: kidney.report,
    attributes: kidney.attributes,
    malignant: kidney.malignant,
    aggressive: kidney.aggressive,
    rfs: patient.rfs,
    dss: patient.dss,
    os: patient.os,
    split,
    segmentation: `${folder}/segmentation.nii.gz`,
    pathology: kidney.masses[0]?.pathology.pathology ?? null,
  };
  if (kidney.renal) line.renal = kidney.renal;
  return line;
}

/** Accumulates counts and oracle inputs over the cohort. */
class Tally {
  readonly attributes = Object.fromEntries(
    ATTRIBUTES.map((a) => [a.name, new Array<number>(a.classes.length + 1).fill(0)]),
  );
  readonly pathology = Object.fromEntries(PATHOLOGIES.map((p) => [p, 0])) as Record<string, number>;
  readonly splits = { train: 0, val: 0, test: 0 };
  kidneys = 0;
  withMass = 0;
  malignant = 0;
  aggressive = 0;
  readonly malignancyScores: number[] = [];
  readonly malignancyLabels: boolean[] = [];
  readonly rfsRisk: number[] = [];
  readonly diseaseRisk: number[] = [];
  readonly outcomes: { rfs: Outcome[]; dss: Outcome[]; os: Outcome[] } = { rfs: [], dss: [], os: [] };
  readonly malignantRisk: number[] = [];
  readonly malignantRfs: Outcome[] = [];

  add(patient: PatientRecord, split: 'train' | 'val' | 'test'): void {
    this.rfsRisk.push(patient.rfsRisk);
    this.diseaseRisk.push(patient.diseaseRisk);
    this.outcomes.rfs.push(patient.rfs);
    this.outcomes.dss.push(patient.dss);
    this.outcomes.os.push(patient.os);
    const hasCarcinoma = patient.kidneys.L.malignant || patient.kidneys.R.malignant;
    if (hasCarcinoma) {
      this.malignantRisk.push(patient.rfsRisk);
      this.malignantRfs.push(patient.rfs);
    }
    for (const side of ['R', 'L'] as const) {
      const k = patient.kidneys[side];
      this.kidneys++;
      this.splits[split]++;
      ATTRIBUTES.forEach((a, i) => {
        const v = k.attributes[i];
        this.attributes[a.name][v < 0 ? a.classes.length : v]++;
      });
      if (k.masses.length === 0) continue;
      this.withMass++;
      if (k.malignant) this.malignant++;
      if (k.aggressive) this.aggressive++;
      this.pathology[k.masses[0].pathology.pathology]++;
      this.malignancyScores.push(k.malignancyProbability);
      this.malignancyLabels.push(k.malignant);
    }
  }

  oracle(): OracleFigures {
    const round = (x: number) => Math.round(x * 10000) / 10000;
    return {
      malignancyAuc: round(auc(this.malignancyScores, this.malignancyLabels)),
      rfsCindex: round(concordanceIndex(this.rfsRisk, this.outcomes.rfs)),
      dssCindex: round(concordanceIndex(this.diseaseRisk, this.outcomes.dss)),
      osCindex: round(concordanceIndex(this.rfsRisk, this.outcomes.os)),
      rfsCindexMalignant: round(concordanceIndex(this.malignantRisk, this.malignantRfs)),
    };
  }
}

async function writeLine(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

function checkCohortOptions(options: CohortOptions): void {
  if (!Number.isInteger(options.patients) || options.patients < 1) {
    throw new SynthOptionError(`patients must be a positive integer, got ${options.patients}`);
  }
  if (!Number.isInteger(options.seed))
    throw new SynthOptionError(`seed must be an integer, got ${options.seed}`);
  if (options.layout !== undefined && options.layout !== 'renal' && options.layout !== 'kits') {
    throw new SynthOptionError(`layout must be renal or kits, got ${options.layout}`);
  }
  if (options.compression !== undefined && !(options.compression in GZIP)) {
    throw new SynthOptionError(`compression must be fast, balanced or small, got ${options.compression}`);
  }
}

/**
 * Generates a cohort and writes it under `options.out`: per patient the four phases and the segmentation
 * (`renal` layout: `images/<patient>/{N,A,V,D,segmentation}.nii.gz` and `manifest.jsonl`; `kits` layout:
 * `case_XXXXX/imaging.nii.gz` (phase A) and `segmentation.nii.gz` in KiTS's axis order, and `kits.json`),
 * then `manifest.meta.json` with counts and oracle figures. Streams: memory stays bounded by `inFlight`.
 */
export async function generateCohort(options: CohortOptions): Promise<CohortSummary> {
  checkCohortOptions(options);
  const grid = resolveGrid(options.preset);
  const knobs = resolveKnobs(options.knobs);
  const layout = options.layout ?? 'renal';
  const gzipOptions = GZIP[options.compression ?? 'fast'];
  const inFlight = Math.max(1, options.inFlight ?? 3);
  const splits = assignSplits(options.patients, options.seed, knobs.splits);
  await mkdir(options.out, { recursive: true });
  const listPath = join(options.out, layout === 'renal' ? 'manifest.jsonl' : 'kits.json');
  const list = createWriteStream(`${listPath}.tmp`);
  const tally = new Tally();
  const pending: Promise<void>[] = [];
  const entry = workerEntry();
  const cores = availableParallelism();
  const workers = entry
    ? Math.max(0, Math.floor(options.workers ?? (cores > 2 ? Math.min(4, cores - 1) : 0)))
    : 0;
  const source = workers > 0 && entry ? workerSource(entry, workers, grid, knobs) : localSource(grid, knobs);
  // Patients requested ahead of the one being written: keeps every worker busy, bounds memory.
  const lookahead = Math.max(1, 2 * workers);
  const ahead: Promise<PatientRecord>[] = [];
  for (let index = 0; index < Math.min(lookahead, options.patients); index++) {
    ahead.push(source.generate(index, patientSeed(options.seed, index)));
  }
  if (layout === 'kits') await writeLine(list, '[\n');
  try {
    for (let index = 0; index < options.patients; index++) {
      const patient = await ahead.shift()!;
      const nextIndex = index + lookahead;
      if (nextIndex < options.patients)
        ahead.push(source.generate(nextIndex, patientSeed(options.seed, nextIndex)));
      const volumes = patient.volumes!;
      patient.volumes = undefined;
      tally.add(patient, splits[index]);
      const id = patientId(index);
      if (layout === 'renal') {
        const folder = `images/${id}`;
        await mkdir(join(options.out, folder), { recursive: true });
        for (const side of ['R', 'L'] as const) {
          await writeLine(
            list,
            `${JSON.stringify(manifestLine(id, patient.kidneys[side], patient, folder, splits[index]))}\n`,
          );
        }
        pending.push(writeRenalVolumes(options.out, folder, volumes, gzipOptions));
      } else {
        const caseId = `case_${String(index).padStart(5, '0')}`;
        await mkdir(join(options.out, caseId), { recursive: true });
        const entry = JSON.stringify(kitsCase(caseId, patient, volumes.spacing));
        await writeLine(list, `${index > 0 ? ',\n' : ''}  ${entry}`);
        pending.push(writeKitsVolumes(options.out, caseId, volumes, gzipOptions));
      }
      options.onProgress?.(index + 1, options.patients);
      if (pending.length >= inFlight) await pending.shift();
    }
    await Promise.all(pending);
  } catch (error) {
    await Promise.allSettled([...pending, ...ahead]);
    throw error;
  } finally {
    await source.close();
    if (layout === 'kits') await writeLine(list, '\n]\n');
    await closeStream(list);
  }
  await rename(`${listPath}.tmp`, listPath);
  const summary: CohortSummary = {
    generator: 'renal-synth',
    modelVersion: SYNTH_MODEL_VERSION,
    seed: options.seed,
    patients: options.patients,
    kidneys: tally.kidneys,
    layout,
    grid,
    knobs,
    manifest: layout === 'renal' ? 'manifest.jsonl' : null,
    kitsJson: layout === 'kits' ? 'kits.json' : null,
    splits: tally.splits,
    counts: {
      kidneysWithMass: tally.withMass,
      malignant: tally.malignant,
      aggressive: tally.aggressive,
      pathology: tally.pathology,
      attributes: tally.attributes,
    },
    oracle: tally.oracle(),
    attributeSchema: ATTRIBUTES,
  };
  await writeAtomic(
    join(options.out, 'manifest.meta.json'),
    new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`),
  );
  return summary;
}

async function writeRenalVolumes(
  out: string,
  folder: string,
  v: PatientVolumes,
  gzipOptions: ZlibOptions,
): Promise<void> {
  const jobs = PHASES.map((p) =>
    writeVolume(join(out, folder, `${p}.nii.gz`), asVolume(v, v.phases[p], `${folder}/${p}`), gzipOptions),
  );
  jobs.push(
    writeVolume(
      join(out, folder, 'segmentation.nii.gz'),
      asVolume(v, v.segmentation, `${folder}/segmentation`),
      gzipOptions,
    ),
  );
  await Promise.all(jobs);
}

async function writeKitsVolumes(
  out: string,
  caseId: string,
  v: PatientVolumes,
  gzipOptions: ZlibOptions,
): Promise<void> {
  await Promise.all([
    writeVolume(
      join(out, caseId, 'imaging.nii.gz'),
      permuteToKits(asVolume(v, v.phases.A, `${caseId}/imaging`)),
      gzipOptions,
    ),
    writeVolume(
      join(out, caseId, 'segmentation.nii.gz'),
      permuteToKits(asVolume(v, v.segmentation, `${caseId}/segmentation`)),
      gzipOptions,
    ),
  ]);
}
