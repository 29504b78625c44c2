import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'renal-core';
import { readNifti, writeNifti } from 'renal-volume-io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropForModel, cropGeometry, cropVolume, downstreamConfig, pipelineConfig } from '../src/index.js';
import { run } from './helpers/run-cli.js';

// Fixtures written by nibabel/pydicom (with their scripts) live in renal-volume-io's test folder.
const VIO = join(import.meta.dirname, '..', '..', 'volume-io', 'test', 'fixtures');

function stats(values: number[]): { min: number; max: number; mean: number } {
  return {
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((s, x) => s + x, 0) / values.length,
  };
}

function expectClose(a: number[], b: number[], tol: number): void {
  expect(a.length).toBe(b.length);
  for (let n = 0; n < a.length; n++) expect(Math.abs(a[n] - b[n])).toBeLessThanOrEqual(tol);
}

describe('renal-clip inspect', () => {
  it('--json on a scaled NIfTI: exactly the contract fields, equal to what nibabel reports', async () => {
    const expected = JSON.parse(await readFile(join(VIO, 'nifti', 'expected.json'), 'utf8'));
    const want = expected.cases.find((c: { file: string }) => c.file === 'scaled_int16.nii');
    const { code, out } = await run(['inspect', join(VIO, 'nifti', 'scaled_int16.nii'), '--json']);
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const r = JSON.parse(out);
    expect(Object.keys(r).sort()).toEqual(['affine', 'datatype', 'max', 'mean', 'min', 'shape', 'spacing']);
    expect(r.shape).toEqual(want.shape);
    expect(r.datatype).toBe('int16');
    expectClose(r.spacing, want.spacing, 1e-6);
    expectClose(r.affine.flat(), want.affine.flat(), 1e-6);
    const s = stats(want.data);
    expectClose([r.min, r.max, r.mean], [s.min, s.max, s.mean], 1e-6);
  });

  it('--json on a DICOM folder: HU after rescale, as pydicom reads it', async () => {
    const expected = JSON.parse(await readFile(join(VIO, 'dicom', 'expected.json'), 'utf8'));
    const want = expected.series_explicit;
    const { code, out } = await run(['inspect', join(VIO, 'dicom', 'series_explicit'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.shape).toEqual(want.shape);
    expect(r.datatype).toBe('int16');
    expectClose(r.affine.flat(), want.affine.flat(), 1e-5);
    const s = stats(want.data);
    expectClose([r.min, r.max, r.mean], [s.min, s.max, s.mean], 1e-6);
  });

  it('prints human text by default', async () => {
    const { code, out } = await run(['inspect', join(VIO, 'nifti', 'dtype_int16.nii')]);
    expect(code).toBe(0);
    expect(out).toMatch(/shape\s+5 × 4 × 3 \(int16\)/);
    expect(out).toMatch(/spacing/);
  });

  it('bad input: non-zero exit, one line naming the file and the problem', async () => {
    const missing = await run(['inspect', '/no/such/file.nii.gz']);
    expect(missing.code).not.toBe(0);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/\/no\/such\/file\.nii\.gz/);
    const complex = await run(['inspect', join(VIO, 'nifti', 'complex64.nii'), '--json']);
    expect(complex.code).not.toBe(0);
    expect(complex.err).toMatch(/complex64\.nii: datatype: complex64/);
    const gap = await run(['inspect', join(VIO, 'dicom', 'missing_slice')]);
    expect(gap.code).not.toBe(0);
    expect(gap.err).toMatch(/missing_slice.*missing slice/);
  });

  it('a folder with several series is listed, and --series picks one', async () => {
    const folder = join(VIO, 'dicom', 'two_series');
    const both = await run(['inspect', folder, '--json']);
    expect(both.code).not.toBe(0);
    expect(both.err).toMatch(/2 series.*--series/);
    const one = await run(['inspect', folder, '--json', '--series', '1']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out).shape[2]).toBeGreaterThan(0);
  });
});

describe('renal-clip preprocess', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clip-preprocess-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  /** `preprocess` of the small CT around voxel (1, 2, 3) into a scratch file, with more arguments. */
  const preprocessSmall = (...more: string[]) =>
    run([
      'preprocess',
      join(VIO, 'transforms', 'small_ct.nii.gz'),
      '--out',
      join(dir, 'x.nii.gz'),
      '--center',
      '1,2,3',
      ...more,
    ]);

  it.each([
    ['tiny', [64, 64, 16]],
    ['paper', [128, 128, 32]],
  ] as const)('--center writes the crop the model sees in evaluation (%s: %j)', async (preset, shape) => {
    const input = join(VIO, 'transforms', 'small_ct.nii.gz');
    const out = join(dir, `crop-${preset}.nii.gz`);
    const argv = ['preprocess', input, '--out', out, '--center', '14,12,5', '--preset', preset, '--json'];
    const { code, out: text } = await run(argv);
    expect(code).toBe(0);
    expect(JSON.parse(text).shape).toEqual(shape);
    const crop = await readNifti(out);
    expect(crop.shape).toEqual(shape);
    // The pipeline's own path: the crop cache's crop, then the evaluation centre crop of the model input.
    const config = pipelineConfig(preset);
    const cached = cropVolume(await readNifti(input), [14, 12, 5], cropGeometry(config));
    const seen = cropForModel(cached, config.cacheShape, config.inputShape, new Rng(0), { train: false });
    expectClose(Array.from(crop.data), Array.from(seen), 1e-6);
  });

  it('--stage tasks writes the crop of stage 3, whose box the paper resizes to the input depth', async () => {
    const input = join(VIO, 'transforms', 'small_ct.nii.gz');
    const crop = async (stage: string) => {
      const out = join(dir, `paper-${stage}.nii.gz`);
      const argv = ['preprocess', input, '--out', out, '--center', '14,12,5', '--stage', stage, '--json'];
      const { code, out: text } = await run(argv);
      expect(code).toBe(0);
      expect(JSON.parse(text)).toMatchObject({ stage, shape: [128, 128, 32] });
      return Array.from((await readNifti(out)).data);
    };
    const tasks = await crop('tasks');
    const config = downstreamConfig(pipelineConfig('paper'));
    expect(config.cacheShape).toEqual([32, 140, 140]);
    const cached = cropVolume(await readNifti(input), [14, 12, 5], cropGeometry(config));
    const seen = cropForModel(cached, config.cacheShape, config.inputShape, new Rng(0), { train: false });
    expectClose(tasks, Array.from(seen), 1e-6);
    // Pre-training's 40-slice resize, centre-cropped to 32 slices, covers less of the box in depth.
    const pretraining = await crop('pretraining');
    expect(pretraining.some((v, i) => Math.abs(v - tasks[i]) > 1e-3)).toBe(true);
    const bad = await preprocessSmall('--stage', 'x');
    expect(bad.err).toMatch(/--stage: expected pretraining or tasks, got x/);
  });

  it('--config changes the crop as it changes the pipeline', async () => {
    const config = join(dir, 'box.json');
    await writeFile(config, JSON.stringify({ cacheShape: [6, 24, 24], inputShape: [4, 20, 20] }));
    const input = join(VIO, 'transforms', 'small_ct.nii.gz');
    const argv = ['preprocess', input, '--out', join(dir, 'c.nii.gz'), '--center', '14,12,5'];
    const { code, out } = await run([...argv, '--preset', 'tiny', '--config', config, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out).shape).toEqual([20, 20, 4]);
  });

  it('--mask finds the kidney with the tumour and crops around it', async () => {
    const seg = await readNifti(join(VIO, 'transforms', 'kits_seg.nii.gz'));
    const image = join(dir, 'image.nii.gz');
    const hu = Int16Array.from(seg.data, (l) => (l ? 40 : -1000));
    await writeNifti(image, { ...seg, data: hu, datatype: 'int16' });
    const out = join(dir, 'mask-crop.nii.gz');
    const args = ['preprocess', image, '--out', out, '--mask', join(VIO, 'transforms', 'kits_seg.nii.gz')];
    const { code, out: text } = await run([...args, '--preset', 'tiny', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(text);
    // The tumour sits in the kidney at i ≈ 30, which the affine (x = 20 − 0.8 i) puts on the patient's left.
    expect(r.side).toBe('L');
    expect(r.shape).toEqual([64, 64, 16]);
    const right = await run([...args, '--side', 'R', '--json']);
    expect(JSON.parse(right.out).side).toBe('R');
    expect(JSON.parse(right.out).shape).toEqual([128, 128, 32]);
  });

  it('needs exactly one of --center and --mask', async () => {
    const input = join(VIO, 'transforms', 'small_ct.nii.gz');
    const r = await run(['preprocess', input, '--out', join(dir, 'x.nii.gz')]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--center.*--mask/);
    const bad = await run(['preprocess', input, '--out', join(dir, 'x.nii.gz'), '--center', '1,2']);
    expect(bad.err).toMatch(/--center/);
    const preset = await preprocessSmall('--preset', 'big');
    expect(preset.err).toMatch(/^renal-clip: unknown preset "big" \(expected tiny or paper\)/);
  });
});
