/**
 * DICOM CT series → Volumes: files grouped by SeriesInstanceUID, slices ordered along the slice normal, checked
 * for missing slices, uneven spacing and mixed geometry, rescaled to HU, with the affine converted LPS → RAS.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DicomError } from '../errors.js';
import type { Matrix4, Vec3, Volume } from '../volume.js';
import { isDicom, parseDicom } from './parse.js';
import { type DicomSlice, sliceFromDataset } from './pixels.js';

/** A volume read from a DICOM series, with the series' identity and its files in slice order. */
export interface DicomVolume extends Volume {
  /** (0020,000E) SeriesInstanceUID. */
  seriesInstanceUid: string;
  /** (0008,103E) SeriesDescription (may be empty). */
  seriesDescription: string;
  /** (0008,0060) Modality, e.g. `CT`. */
  modality: string;
  /** The series' files in slice order (k = 0 first). */
  files: string[];
}

/** Options of {@link readDicomSeries}. */
export interface ReadDicomOptions {
  /** Relative tolerance on slice gaps before the spacing counts as uneven (default 0.01). */
  spacingTolerance?: number;
  /** Called with each file skipped because it is not DICOM at all (e.g. a README, DICOMDIR's companions). */
  onSkip?: (path: string, reason: string) => void;
}

const ORIENTATION_TOLERANCE = 1e-4;
const MAX_DEPTH = 8;

async function listFiles(folder: string, depth = 0): Promise<string[]> {
  if (depth > MAX_DEPTH) return [];
  const entries = await readdir(folder, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const path = join(folder, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(path, depth + 1)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}

/**
 * Reads every DICOM image in a folder (recursively) or a list of files, and returns one {@link DicomVolume} per
 * series. Non-DICOM files are skipped (reported through `onSkip`); a series with missing slices, uneven spacing,
 * mixed orientation, mixed sizes or a compressed transfer syntax throws a typed error naming the file or series.
 */
export async function readDicomSeries(
  folderOrFiles: string | string[],
  options: ReadDicomOptions = {},
): Promise<DicomVolume[]> {
  const label = Array.isArray(folderOrFiles) ? `${folderOrFiles.length} files` : folderOrFiles;
  const files = Array.isArray(folderOrFiles)
    ? folderOrFiles
    : (await stat(folderOrFiles)).isDirectory()
      ? await listFiles(folderOrFiles)
      : [folderOrFiles];
  const bySeries = new Map<string, DicomSlice[]>();
  for (const file of files) {
    const bytes = new Uint8Array(await readFile(file));
    if (!isDicom(bytes) || basename(file).toUpperCase() === 'DICOMDIR') {
      options.onSkip?.(file, 'not a DICOM image');
      continue;
    }
    const ds = parseDicom(bytes, file);
    if (!ds.elements.has(0x7fe00010)) {
      options.onSkip?.(file, 'no pixel data (not an image)');
      continue;
    }
    const slice = sliceFromDataset(ds);
    const list = bySeries.get(slice.seriesInstanceUid) ?? [];
    list.push(slice);
    bySeries.set(slice.seriesInstanceUid, list);
  }
  if (bySeries.size === 0) throw new DicomError(label, 'files', 'no DICOM images found');
  return [...bySeries.values()].map((slices) => assembleSeries(slices, label, options));
}

function seriesLabel(folder: string, s: DicomSlice): string {
  return `${folder} [series ${s.seriesInstanceUid || '(no SeriesInstanceUID)'}]`;
}

function cross(a: number[], b: number[]): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function checkConsistent(slices: DicomSlice[], label: string): void {
  const first = slices[0];
  for (const s of slices) {
    if (s.rows !== first.rows || s.columns !== first.columns) {
      throw new DicomError(
        label,
        '(0028,0010/0011) Rows/Columns',
        `mixed image sizes: ${first.source} is ${first.rows}×${first.columns}, ${s.source} is ${s.rows}×${s.columns}`,
      );
    }
    if (s.datatype !== first.datatype) {
      throw new DicomError(
        label,
        '(0028,0100/0103) BitsAllocated/PixelRepresentation',
        `mixed pixel types: ${first.datatype} and ${s.datatype} (${s.source})`,
      );
    }
    if (slices.length > 1 && (!s.orientation || !s.position)) {
      throw new DicomError(
        label,
        '(0020,0032/0037) ImagePositionPatient/ImageOrientationPatient',
        `missing in ${s.source}; cannot order slices`,
      );
    }
    if (
      s.orientation &&
      first.orientation &&
      s.orientation.some((v, n) => Math.abs(v - first.orientation![n]) > ORIENTATION_TOLERANCE)
    ) {
      throw new DicomError(
        label,
        '(0020,0037) ImageOrientationPatient',
        `mixed orientations: ${first.source} and ${s.source} differ`,
      );
    }
    const ps = s.pixelSpacing;
    const ps0 = first.pixelSpacing;
    if (
      (ps === undefined) !== (ps0 === undefined) ||
      (ps && ps0 && (Math.abs(ps[0] - ps0[0]) > 1e-4 || Math.abs(ps[1] - ps0[1]) > 1e-4))
    ) {
      throw new DicomError(
        label,
        '(0028,0030) PixelSpacing',
        `mixed pixel spacings: ${first.source} and ${s.source} differ`,
      );
    }
  }
}

/** Orders slices along the normal and returns them with the mean step (mm); throws on gaps or duplicates. */
function orderSlices(
  slices: DicomSlice[],
  normal: Vec3,
  label: string,
  tolerance: number,
): { ordered: DicomSlice[]; step: number } {
  const keyed = slices.map((s) => ({ s, d: dot(s.position!, normal) })).sort((a, b) => a.d - b.d);
  const gaps = keyed.slice(1).map((x, n) => x.d - keyed[n].d);
  for (const [n, g] of gaps.entries()) {
    if (g < 1e-3) {
      throw new DicomError(
        label,
        '(0020,0032) ImagePositionPatient',
        `two slices at the same position: ${keyed[n].s.source} and ${keyed[n + 1].s.source} (several acquisitions in one series?)`,
      );
    }
  }
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  for (const [n, g] of gaps.entries()) {
    if (Math.abs(g - median) > tolerance * median + 1e-3) {
      const missing = Math.round(g / median) - 1;
      const what =
        missing >= 1 && Math.abs(g - (missing + 1) * median) < tolerance * median + 1e-3
          ? `${missing} missing slice(s)`
          : 'uneven slice spacing';
      throw new DicomError(
        label,
        '(0020,0032) ImagePositionPatient',
        `${what}: gap of ${g.toFixed(3)} mm between ${keyed[n].s.source} and ${keyed[n + 1].s.source}, usual gap ${median.toFixed(3)} mm`,
      );
    }
  }
  const step = gaps.length ? (keyed[keyed.length - 1].d - keyed[0].d) / gaps.length : 0;
  return { ordered: keyed.map((x) => x.s), step };
}

function assembleSeries(slices: DicomSlice[], folder: string, options: ReadDicomOptions): DicomVolume {
  const first = slices[0];
  const label = seriesLabel(folder, first);
  checkConsistent(slices, label);
  const orientation = first.orientation ?? [1, 0, 0, 0, 1, 0];
  const rowDir = orientation.slice(0, 3);
  const colDir = orientation.slice(3, 6);
  const normal = cross(rowDir, colDir);
  const { ordered, step } =
    slices.length > 1
      ? orderSlices(slices, normal, label, options.spacingTolerance ?? 0.01)
      : { ordered: slices, step: 0 };
  const [rowSpacing, colSpacing] = first.pixelSpacing ?? [1, 1];
  const sliceSpacing =
    step > 0 ? step : first.sliceThickness && first.sliceThickness > 0 ? first.sliceThickness : 1;
  const origin = ordered[0].position ?? [0, 0, 0];
  // k steps along the actual first→last displacement (keeps gantry tilt), or the normal for one slice.
  const kStep =
    ordered.length > 1
      ? [0, 1, 2].map((r) => (ordered[ordered.length - 1].position![r] - origin[r]) / (ordered.length - 1))
      : normal.map((x) => x * sliceSpacing);
  const lps: Matrix4 = [0, 1, 2].map((r) => [
    rowDir[r] * colSpacing,
    colDir[r] * rowSpacing,
    kStep[r],
    origin[r],
  ]);
  const affine: Matrix4 = [lps[0].map((x) => -x), lps[1].map((x) => -x), lps[2], [0, 0, 0, 1]];
  const shape: Vec3 = [first.columns, first.rows, ordered.length];
  return {
    data: stackAndRescale(ordered, label),
    shape,
    spacing: [colSpacing, rowSpacing, sliceSpacing],
    affine: affine.map((row) => row.map((x) => (x === 0 ? 0 : x))),
    datatype: first.datatype,
    source: label,
    seriesInstanceUid: first.seriesInstanceUid,
    seriesDescription: first.seriesDescription,
    modality: first.modality,
    files: ordered.map((s) => s.source),
  };
}

/** Stacks slices and applies RescaleSlope/Intercept; stays int16 when every HU value fits. */
function stackAndRescale(ordered: DicomSlice[], label: string): Volume['data'] {
  const perSlice = ordered[0].pixels.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  let integral = true;
  for (const s of ordered) {
    if (!Number.isFinite(s.slope) || !Number.isFinite(s.intercept)) {
      throw new DicomError(label, '(0028,1053) RescaleSlope', `not finite in ${s.source}`);
    }
    if (!Number.isInteger(s.slope) || !Number.isInteger(s.intercept)) integral = false;
    let rawLo = Number.POSITIVE_INFINITY;
    let rawHi = Number.NEGATIVE_INFINITY;
    for (const v of s.pixels) {
      if (v < rawLo) rawLo = v;
      if (v > rawHi) rawHi = v;
    }
    const a = rawLo * s.slope + s.intercept;
    const b = rawHi * s.slope + s.intercept;
    lo = Math.min(lo, a, b);
    hi = Math.max(hi, a, b);
  }
  const fitsInt16 = integral && lo >= -32768 && hi <= 32767;
  const out = fitsInt16
    ? new Int16Array(perSlice * ordered.length)
    : new Float32Array(perSlice * ordered.length);
  for (const [k, s] of ordered.entries()) {
    const base = k * perSlice;
    for (let n = 0; n < perSlice; n++) out[base + n] = s.pixels[n] * s.slope + s.intercept;
  }
  return out;
}
