import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from 'renal-core';
import { writeNifti } from 'renal-volume-io';
import { describe, expect, it } from 'vitest';
import { CropCache, cropForModel, cropVolume, sentenceShuffles, TfidfTextEncoder } from '../src/index.js';

const shape: [number, number, number] = [30, 20, 10];
const spacing: [number, number, number] = [2, 2, 5];
// HU linear in the voxel index: trilinear interpolation reproduces it exactly inside the volume.
const hu = (i: number, j: number, k: number) => -200 + 10 * i + 4 * j + 20 * k;
function rampVolume() {
  const data = new Float32Array(shape[0] * shape[1] * shape[2]);
  for (let k = 0; k < shape[2]; k++)
    for (let j = 0; j < shape[1]; j++)
      for (let i = 0; i < shape[0]; i++) data[i + shape[0] * (j + shape[1] * k)] = hu(i, j, k);
  const affine = [
    [2, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 5, 0],
    [0, 0, 0, 1],
  ];
  return { data, shape, spacing, affine, datatype: 'float32' };
}

describe('kidney crops', () => {
  const geometry = {
    cacheShape: [4, 6, 8] as [number, number, number],
    boxMm: [16, 12, 20] as [number, number, number],
    window: [50, 500] as [number, number],
  };

  it('a box of whole voxels comes out unresampled: the windowed voxels around the centre', () => {
    // 16×12×20 mm at 2×2×5 mm is 8×6×4 voxels = the cache shape, so the resize is the identity. The box starts
    // at round(centre − (n − 1)/2): voxels 12…19, 8…13, 4…7 for the centre (15.2, 10.2, 5).
    const crop = cropVolume(rampVolume(), [15.2, 10.2, 5], geometry);
    const [D, H, W] = geometry.cacheShape;
    for (let d = 0; d < D; d++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const expected = Math.min(1, Math.max(0, (hu(12 + w, 8 + h, 4 + d) + 200) / 500));
          expect(crop[(d * H + h) * W + w]).toBeCloseTo(expected, 6);
        }
  });

  it('orients to RAS first: the same scan stored left–right and front–back flipped gives the same crop', () => {
    const ras = rampVolume();
    const [nx, ny, nz] = shape;
    const flipped = new Float32Array(ras.data.length);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++)
          flipped[nx - 1 - i + nx * (ny - 1 - j + ny * k)] = ras.data[i + nx * (j + ny * k)];
    const lps = {
      ...ras,
      data: flipped,
      affine: [
        [-2, 0, 0, 2 * (nx - 1)],
        [0, -2, 0, 2 * (ny - 1)],
        [0, 0, 5, 0],
        [0, 0, 0, 1],
      ],
    };
    const center = [15.2, 10.2, 5];
    const mirrored = [nx - 1 - center[0], ny - 1 - center[1], center[2]];
    expect(Array.from(cropVolume(lps, mirrored, geometry))).toEqual(
      Array.from(cropVolume(ras, center, geometry)),
    );
  });

  it('pads outside the volume with −1000 HU (0 after windowing)', () => {
    const crop = cropVolume(rampVolume(), [0, 0, 0], geometry);
    expect(crop[0]).toBe(0);
  });

  it('caches crops on disk keyed by file content, centre and geometry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crops-'));
    await writeNifti(join(dir, 'a.nii.gz'), rampVolume());
    const cache = new CropCache(join(dir, 'cache'), geometry);
    const record = {
      id: 'k',
      patientId: 'p',
      side: 'L' as const,
      phases: { A: join(dir, 'a.nii.gz') },
      center: [15, 10, 5] as [number, number, number],
    };
    const first = await cache.get(record, 'A');
    const second = await cache.get(record, 'A');
    expect(Array.from(second)).toEqual(Array.from(first));
    await cache.get({ ...record, center: [14, 10, 5] }, 'A');
    expect(readdirSync(join(dir, 'cache'))).toHaveLength(2);
    await expect(cache.get(record, 'V')).rejects.toThrow(/no phase V/);
  });

  it('cuts the centre in evaluation and stays in [0, 1] with training augmentations', () => {
    const cached = Float32Array.from({ length: 4 * 6 * 8 }, (_, i) => i / 192);
    const centre = cropForModel(cached, [4, 6, 8], [2, 2, 2], new Rng(0), { train: false });
    expect(Array.from(centre)).toEqual(
      [1, 1, 1, 1, 1, 1, 1, 1].map(
        (_, n) => cached[((1 + (n >> 2)) * 6 + 2 + ((n >> 1) & 1)) * 8 + 3 + (n & 1)],
      ),
    );
    const augmented = cropForModel(cached, [4, 6, 8], [2, 4, 4], new Rng(1), { train: true, flip: true });
    expect(augmented.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('applies the random affine in the axial plane: the identity affine is the plain random crop', () => {
    const cached = Float32Array.from({ length: 4 * 10 * 10 }, (_, i) => ((i * 37) % 101) / 101);
    const cut = (affine: { rotateDeg: number; scale: number } | false | undefined) =>
      cropForModel(cached, [4, 10, 10], [2, 6, 6], new Rng(5), { train: true, affine });
    const plain = cut(false);
    const identity = cut({ rotateDeg: 0, scale: 0 });
    for (let n = 0; n < plain.length; n++) expect(identity[n]).toBeCloseTo(plain[n], 5);
    const rotated = cut(undefined);
    expect(rotated.some((v, n) => Math.abs(v - plain[n]) > 1e-3)).toBe(true);
    expect(rotated.every((v) => v >= 0 && v <= 1)).toBe(true);
    // Without the affine and the intensity changes a training crop is the cached values at some offset.
    const raw = cropForModel(cached, [4, 10, 10], [2, 6, 6], new Rng(5), {
      train: true,
      affine: false,
      intensity: false,
    });
    const found = [0, 1, 2].some((od) =>
      [0, 1, 2, 3, 4].some((oh) =>
        [0, 1, 2, 3, 4].some((ow) =>
          Array.from(raw).every(
            (v, n) =>
              v ===
              cached[((od + Math.floor(n / 36)) * 10 + oh + (Math.floor(n / 6) % 6)) * 10 + ow + (n % 6)],
          ),
        ),
      ),
    );
    expect(found).toBe(true);
  });
});

describe('report text', () => {
  it('shuffles sentences, keeping every sentence', () => {
    const report = 'Findings: A mass. No fat.\nImpression: Carcinoma.';
    const [shuffled] = sentenceShuffles(report, 1, new Rng(3));
    expect(shuffled.split(' ').sort()).toEqual(report.replace('\n', ' ').split(' ').sort());
  });

  it('embeds similar reports closer than different ones (TF-IDF)', async () => {
    const corpus = [
      'solid mass suspicious for carcinoma',
      'simple benign cyst',
      'angiomyolipoma with fat',
      'normal kidney',
    ];
    const encoder = new TfidfTextEncoder(64, 1).fit(corpus);
    const [a, b, c] = await encoder.embed([
      'solid mass, carcinoma',
      'solid mass suspicious for carcinoma',
      'benign cyst',
    ]);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c));
    expect(dot(a, a)).toBeCloseTo(1, 5);
  });
});
