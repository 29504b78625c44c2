import { open, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { isDicom, readDicomSeries, readNifti, type Volume } from 'renal-volume-io';
import { CliError, emit } from '../command.js';

/** What `inspect --json` prints (the contract in ARCHITECTURE.md). */
export interface InspectResult {
  shape: number[];
  spacing: number[];
  affine: number[][];
  datatype: string;
  min: number;
  max: number;
  mean: number;
}

/** True when a file starts like DICOM (preamble `DICM` or a bare dataset). */
async function looksLikeDicomFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(132);
    const { bytesRead } = await fh.read(head, 0, 132, 0);
    return isDicom(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

/**
 * Loads a NIfTI file, a DICOM file or a DICOM folder as one volume. A folder holding several series needs
 * `series` (a SeriesInstanceUID or a 0-based index); without it the series are listed in the error.
 */
export async function loadVolume(
  path: string,
  options: { series?: string; volume?: number } = {},
): Promise<Volume> {
  const info = await stat(path).catch(() => {
    throw new CliError(`${path}: no such file or folder`);
  });
  if (!info.isDirectory() && !(await looksLikeDicomFile(path))) {
    return readNifti(path, { volumeIndex: options.volume });
  }
  const series = await readDicomSeries(info.isDirectory() ? path : [path]);
  if (options.series !== undefined) {
    const chosen = series.find(
      (s, n) => s.seriesInstanceUid === options.series || String(n) === options.series,
    );
    if (!chosen) throw new CliError(`${path}: no series ${options.series} (found ${series.length})`);
    return chosen;
  }
  if (series.length > 1) {
    const list = series
      .map(
        (s, n) => `${n}: ${s.seriesInstanceUid} ${s.modality} "${s.seriesDescription}" ${s.shape.join('×')}`,
      )
      .join('; ');
    throw new CliError(`${path}: ${series.length} series in this folder, pick one with --series: ${list}`);
  }
  return series[0];
}

/** Shape, spacing, affine, source datatype and HU statistics (over finite voxels) of a volume. */
export function describeVolume(v: Volume): InspectResult & { nonFinite: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  let finite = 0;
  for (const x of v.data) {
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    finite++;
  }
  return {
    shape: [...v.shape],
    spacing: [...v.spacing],
    affine: v.affine.map((row) => [...row]),
    datatype: v.datatype,
    min: finite ? min : Number.NaN,
    max: finite ? max : Number.NaN,
    mean: finite ? sum / finite : Number.NaN,
    nonFinite: v.data.length - finite,
  };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(6).replace(/\.?0+$/, '');
}

function human(path: string, r: InspectResult, nonFinite: number): string {
  const lines = [
    path,
    `  shape     ${r.shape.join(' × ')} (${r.datatype})`,
    `  spacing   ${r.spacing.map(formatNumber).join(' × ')} mm`,
    '  affine    voxel → RAS+ mm',
    ...r.affine.map((row) => `            [${row.map((x) => formatNumber(x).padStart(10)).join(' ')}]`),
    `  values    min ${formatNumber(r.min)}  max ${formatNumber(r.max)}  mean ${formatNumber(r.mean)} (after scaling: HU for CT)`,
  ];
  if (nonFinite > 0) lines.push(`  warning   ${nonFinite} NaN/Inf voxels (left out of min/max/mean)`);
  return lines.join('\n');
}

/** `renal-clip inspect FILE_OR_DICOM_FOLDER [--json]`. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('shape, spacing, affine, datatype and HU range of a NIfTI file or DICOM series')
    .argument('<input>', 'a .nii/.nii.gz file, a DICOM file, or a folder of DICOM files')
    .option('--json', 'print one JSON object: shape, spacing, affine, datatype, min, max, mean')
    .option('--series <uidOrIndex>', 'which series of a DICOM folder holding several')
    .option('--volume <index>', 'which volume of a 4-D NIfTI (default 0)', (s) => Number.parseInt(s, 10))
    .action(async (input: string, options: { json?: boolean; series?: string; volume?: number }) => {
      const volume = await loadVolume(input, options);
      const { nonFinite, ...result } = describeVolume(volume);
      if (nonFinite > 0 && options.json) {
        process.stderr.write(`renal-clip: ${input}: ${nonFinite} NaN/Inf voxels left out of min/max/mean\n`);
      }
      emit(result, options, () => human(input, result, nonFinite));
    });
}
