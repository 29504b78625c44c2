/**
 * Reading DICOM series from a folder (recursively) or a list of files.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DicomSeriesCollector, type DicomVolume, type ReadDicomOptions } from './series.js';

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
  // One file at a time: only each image's pixels are kept, so the peak stays near the volume's size.
  const collector = new DicomSeriesCollector(options);
  for (const name of files) collector.add(name, new Uint8Array(await readFile(name)));
  return collector.finish(label);
}
