/**
 * DICOM CT series → Volumes (pure: the bytes come from the caller): files grouped by SeriesInstanceUID, slices ordered along the slice normal, checked
 * for missing slices, uneven spacing and mixed geometry, rescaled to HU, with the affine converted LPS → RAS.
 */
import { DicomError } from '../errors.js';
import type { Matrix4, Vec3, Volume } from '../volume.js';
import { isDicom, parseDicom, TAG } from './parse.js';
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

/** One file's name (for errors) and bytes, for {@link dicomSeriesFromFiles}. */
export interface DicomFileBytes {
  /** Path or name used in errors and in `files`. */
  name: string;
  /** The file's bytes. */
  bytes: Uint8Array;
}

/**
 * Gathers DICOM files one at a time (keeping only each image's geometry and pixels, not its bytes) and
 * assembles them into series.
 */
export class DicomSeriesCollector {
  private readonly bySeries = new Map<string, DicomSlice[]>();

  constructor(private readonly options: ReadDicomOptions = {}) {}

  /** Adds one file; non-DICOM files and DICOM without pixel data are skipped (reported through `onSkip`). */
  add(name: string, bytes: Uint8Array): void {
    if (!isDicom(bytes) || basename(name).toUpperCase() === 'DICOMDIR') {
      this.options.onSkip?.(name, 'not a DICOM image');
      return;
    }
    const ds = parseDicom(bytes, name);
    if (!ds.elements.has(TAG.PixelData)) {
      this.options.onSkip?.(name, 'no pixel data (not an image)');
      return;
    }
    const slice = sliceFromDataset(ds);
    const list = this.bySeries.get(slice.seriesInstanceUid) ?? [];
    list.push(slice);
    this.bySeries.set(slice.seriesInstanceUid, list);
  }

  /** One volume per series; `label` names the set in errors. */
  finish(label: string): DicomVolume[] {
    if (this.bySeries.size === 0) throw new DicomError(label, 'files', 'no DICOM images found');
    return [...this.bySeries.values()].map((slices) => assembleSeries(slices, label, this.options));
  }
}

/**
 * The series of a set of DICOM files already in memory (e.g. dropped in a browser): the same grouping, ordering,
 * checks and errors as {@link readDicomSeries}. `label` names the set in errors (default: the file count).
 */
export function dicomSeriesFromFiles(
  files: readonly DicomFileBytes[],
  options: ReadDicomOptions = {},
  label = `${files.length} files`,
): DicomVolume[] {
  const collector = new DicomSeriesCollector(options);
  for (const { name, bytes } of files) collector.add(name, bytes);
  return collector.finish(label);
}

function basename(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
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
