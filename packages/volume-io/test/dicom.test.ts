import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomError, parseDicom, readDicomSeries, UnsupportedDataError } from '../src/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'dicom');

interface SeriesCase {
  shape: number[];
  affine: number[][];
  data: number[];
  checks?: { sum: number; sum2: number; wsum: number };
  pixels?: [number, number][];
  files: string[];
  spacing?: number[];
}
const expected: Record<string, SeriesCase | SeriesCase[]> = JSON.parse(
  await readFile(join(FIXTURES, 'expected.json'), 'utf8'),
);

function expectClose(actual: ArrayLike<number>, wanted: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(wanted.length);
  for (let n = 0; n < wanted.length; n++) {
    expect(Math.abs(actual[n] - wanted[n])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(wanted[n])));
  }
}

function column(m: number[][], c: number): number[] {
  return m.slice(0, 3).map((row) => row[c]);
}

describe('readDicomSeries agrees with pydicom and nibabel', () => {
  for (const name of ['series_explicit', 'series_implicit']) {
    it(`${name}: slices ordered along the normal, HU, RAS affine`, async () => {
      const want = expected[name] as SeriesCase;
      const volumes = await readDicomSeries(join(FIXTURES, name));
      expect(volumes).toHaveLength(1);
      const v = volumes[0];
      expect(v.shape).toEqual(want.shape);
      expect(v.files.map((f) => f.slice(FIXTURES.length + 1))).toEqual(want.files);
      expectClose(v.affine.flat(), want.affine.flat(), 1e-5);
      expectClose(v.data, want.data, 1e-6);
      expect(v.modality).toBe('CT');
    });
  }

  it('keeps integer HU as int16 and fractional rescale as float32', async () => {
    const [explicit] = await readDicomSeries(join(FIXTURES, 'series_explicit'));
    const [implicit] = await readDicomSeries(join(FIXTURES, 'series_implicit'));
    expect(explicit.data).toBeInstanceOf(Int16Array);
    expect(implicit.data).toBeInstanceOf(Float32Array);
    expect(explicit.spacing[2]).toBeCloseTo(2.5, 4);
    expect(implicit.spacing[2]).toBeCloseTo(1.25, 4);
  });

  it('returns one volume per series in a folder holding two', async () => {
    const want = expected.two_series as SeriesCase[];
    const volumes = await readDicomSeries(join(FIXTURES, 'two_series'));
    expect(volumes).toHaveLength(2);
    for (const v of volumes) {
      const match = want.find((w) => w.shape[2] === v.shape[2])!;
      expectClose(v.data, match.data, 1e-6);
      expectClose(v.affine.flat(), match.affine.flat(), 1e-5);
      expect(v.source).toContain(v.seriesInstanceUid);
    }
  });

  for (const name of ['CT_small.dcm', 'MR_small_implicit.dcm', 'MR_small_expb.dcm']) {
    it(`pydicom's ${name} (single slice)`, async () => {
      const want = expected[name] as SeriesCase;
      const [v] = await readDicomSeries([join(FIXTURES, 'single', name)]);
      expect(v.shape).toEqual(want.shape);
      // Checksums of pydicom's slice (sum, sum of squares, index-weighted sum) and sampled pixels.
      let [sum, sum2, wsum] = [0, 0, 0];
      for (let n = 0; n < v.data.length; n++) {
        sum += v.data[n];
        sum2 += v.data[n] ** 2;
        wsum += n * v.data[n];
      }
      expect([sum, sum2, wsum]).toEqual([want.checks!.sum, want.checks!.sum2, want.checks!.wsum]);
      for (const [n, value] of want.pixels!) expect(v.data[n]).toBe(value);
      for (const c of [0, 1, 3]) expectClose(column(v.affine, c), column(want.affine, c), 1e-5);
      expectClose(v.spacing, want.spacing!, 1e-6);
    });
  }

  it("pydicom's image_dfl.dcm (deflated explicit VR little endian)", async () => {
    const want = expected['image_dfl.dcm'] as unknown as { shape: number[]; sum: number; pixels: number[][] };
    const [v] = await readDicomSeries([join(FIXTURES, 'single', 'image_dfl.dcm')]);
    expect(v.shape).toEqual(want.shape);
    expect(Array.from(v.data).reduce((s, x) => s + x, 0)).toBe(want.sum);
    for (const [i, j, value] of want.pixels) expect(v.data[i + v.shape[0] * j]).toBe(value);
  });

  it('skips files that are not DICOM and reports them', async () => {
    const skipped: string[] = [];
    const volumes = await readDicomSeries(
      [join(FIXTURES, 'single', 'README.txt'), join(FIXTURES, 'single', 'CT_small.dcm')],
      { onSkip: (path) => skipped.push(path) },
    );
    expect(volumes).toHaveLength(1);
    expect(skipped).toEqual([join(FIXTURES, 'single', 'README.txt')]);
  });
});

describe('DICOM problems are reported, never a silently wrong volume', () => {
  async function rejects(folder: string, type: new (...a: never[]) => Error, message: RegExp): Promise<void> {
    const error = await readDicomSeries(join(FIXTURES, folder)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(folder);
  }
  it('a missing slice', () => rejects('missing_slice', DicomError, /ImagePositionPatient.*1 missing slice/));
  it('uneven spacing', () => rejects('uneven', DicomError, /uneven slice spacing/));
  it('mixed orientations', () => rejects('mixed_orientation', DicomError, /ImageOrientationPatient.*mixed/));
  it('a compressed transfer syntax, named', () =>
    rejects('compressed', UnsupportedDataError, /JPEG 2000.*1\.2\.840\.10008\.1\.2\.4\.91/));
  it('a truncated file', async () => {
    const error = await readDicomSeries([join(FIXTURES, 'single', 'MR_truncated.dcm')]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DicomError);
    expect((error as Error).message).toMatch(/MR_truncated\.dcm.*(PixelData|truncated)/);
  });
  it('an empty list', async () => {
    await expect(readDicomSeries([])).rejects.toThrow(/no DICOM images/);
  });
  it('parseDicom refuses non-DICOM bytes', () => {
    expect(() => parseDicom(new Uint8Array(200), 'zeros.dcm')).toThrow(DicomError);
  });
});
