import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { readNifti } from 'renal-volume-io';
import { afterAll, describe, expect, it } from 'vitest';
import { type CohortSummary, generateCohort, gridAffine, type ManifestLine, PRESETS } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'renal-synth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function digestTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = createHash('sha256').update(readFileSync(full)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function readManifest(dir: string): ManifestLine[] {
  return readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('generateCohort, renal layout', () => {
  const out = join(root, 'renal');
  let summary: CohortSummary;
  const progress: number[] = [];

  it('writes a manifest line per kidney with the ARCHITECTURE.md fields and relative paths', async () => {
    summary = await generateCohort({
      out,
      patients: 4,
      seed: 9,
      preset: 'tiny',
      onProgress: (d) => progress.push(d),
    });
    expect(progress).toEqual([1, 2, 3, 4]);
    const lines = readManifest(out);
    expect(lines).toHaveLength(8);
    for (const line of lines) {
      for (const key of [
        'id',
        'patientId',
        'side',
        'phases',
        'center',
        'report',
        'attributes',
        'malignant',
        'aggressive',
        'rfs',
        'dss',
        'os',
        'split',
      ]) {
        expect(line, key).toHaveProperty(key);
      }
      expect(Object.keys(line.phases).sort()).toEqual(['A', 'D', 'N', 'V']);
      for (const path of [...Object.values(line.phases), line.segmentation]) {
        expect(path.startsWith('/') || path.includes('..')).toBe(false);
        expect(statSync(join(out, path)).size).toBeGreaterThan(1000);
      }
      expect(line.attributes).toHaveLength(14);
      expect(line.center.every((c, d) => Number.isInteger(c) && c >= 0 && c < PRESETS.tiny.shape[d])).toBe(
        true,
      );
      if (line.pathology === null) expect(line.renal).toBeUndefined();
      else expect(Object.keys(line.renal ?? {}).sort()).toEqual(['A', 'E', 'H', 'L', 'N', 'R']);
    }
    // Splits are per patient: both kidneys of a patient share one.
    const byPatient = new Map<string, Set<string>>();
    for (const l of lines) byPatient.set(l.patientId, (byPatient.get(l.patientId) ?? new Set()).add(l.split));
    for (const splits of byPatient.values()) expect(splits.size).toBe(1);
    expect(summary.kidneys).toBe(8);
    expect(summary.splits.train + summary.splits.val + summary.splits.test).toBe(8);
    const meta = JSON.parse(readFileSync(join(out, 'manifest.meta.json'), 'utf8'));
    expect(meta.oracle).toEqual(summary.oracle);
    expect(meta.attributeSchema).toHaveLength(14);
  });

  it('writes NIfTI volumes another reader opens with the right geometry', async () => {
    const line = readManifest(out)[0];
    const a = await readNifti(join(out, line.phases.A));
    expect(a.shape).toEqual(PRESETS.tiny.shape);
    expect(a.spacing.map((s) => Math.round(s * 1000) / 1000)).toEqual(PRESETS.tiny.spacing);
    expect(a.datatype).toBe('int16');
    const affine = gridAffine(PRESETS.tiny);
    for (let r = 0; r < 4; r++) {
      for (let c = 0; c < 4; c++) expect(a.affine[r][c]).toBeCloseTo(affine[r][c], 4);
    }
    const seg = await readNifti(join(out, line.segmentation));
    expect(seg.datatype).toBe('uint8');
    const [i, j, k] = line.center;
    expect(seg.data[i + 128 * (j + 128 * k)]).toBeGreaterThan(0);
  });

  it('is byte-identical for the same seed', async () => {
    const again = join(root, 'renal-again');
    await generateCohort({ out: again, patients: 4, seed: 9, preset: 'tiny' });
    expect(digestTree(again)).toEqual(digestTree(out));
    const other = join(root, 'renal-other');
    await generateCohort({ out: other, patients: 1, seed: 10, preset: 'tiny' });
    expect(digestTree(other)['images/synth_00000/A.nii.gz']).not.toBe(
      digestTree(out)['images/synth_00000/A.nii.gz'],
    );
    // Another compression: other bytes, same voxels.
    const small = join(root, 'renal-small');
    await generateCohort({ out: small, patients: 1, seed: 9, preset: 'tiny', compression: 'small' });
    const path = 'images/synth_00000/V.nii.gz';
    expect(statSync(join(small, path)).size).toBeLessThan(statSync(join(out, path)).size);
    expect((await readNifti(join(small, path))).data).toEqual((await readNifti(join(out, path))).data);
  });

  it('refuses bad options with a typed error', async () => {
    await expect(generateCohort({ out, patients: 0, seed: 1 })).rejects.toThrow(/patients/);
    await expect(generateCohort({ out, patients: 1, seed: 1, layout: 'x' as 'kits' })).rejects.toThrow(
      /layout/,
    );
    await expect(generateCohort({ out, patients: 1, seed: 1, compression: 'zip' as 'fast' })).rejects.toThrow(
      /compression/,
    );
  });
});

describe('generateCohort, KiTS layout', () => {
  it('writes case folders slices-first with KiTS clinical fields', async () => {
    const out = join(root, 'kits');
    const renal = join(root, 'renal');
    await generateCohort({ out, patients: 4, seed: 9, preset: 'tiny', layout: 'kits' });
    const cases = JSON.parse(readFileSync(join(out, 'kits.json'), 'utf8'));
    expect(cases).toHaveLength(4);
    for (const c of cases) {
      for (const key of [
        'case_id',
        'malignant',
        'tumor_isup_grade',
        'pathology_t_stage',
        'vital_status',
        'vital_days_after_surgery',
      ]) {
        expect(c, key).toHaveProperty(key);
      }
      expect(['alive', 'dead']).toContain(c.vital_status);
    }
    expect(cases[0].case_id).toBe('case_00000');
    const imaging = await readNifti(join(out, 'case_00000', 'imaging.nii.gz'));
    const seg = await readNifti(join(out, 'case_00000', 'segmentation.nii.gz'));
    expect(imaging.shape).toEqual([32, 128, 128]);
    expect(seg.shape).toEqual([32, 128, 128]);
    // The same voxel in both layouts holds the same value and maps to the same world point.
    const a = await readNifti(join(renal, 'images/synth_00000/A.nii.gz'));
    for (const [i, j, k] of [
      [10, 20, 3],
      [100, 64, 17],
      [64, 90, 30],
    ]) {
      expect(imaging.data[k + 32 * (j + 128 * i)]).toBe(a.data[i + 128 * (j + 128 * k)]);
      for (let r = 0; r < 3; r++) {
        const world = (m: number[][], x: number[]) =>
          m[r][0] * x[0] + m[r][1] * x[1] + m[r][2] * x[2] + m[r][3];
        expect(world(imaging.affine, [k, j, i])).toBeCloseTo(world(a.affine, [i, j, k]), 3);
      }
    }
  });
});

const built = new URL('../dist/worker.js', import.meta.url);

describe.skipIf(!existsSync(built))('generateCohort with worker threads (built package)', () => {
  it('writes the same bytes as generating in this thread', async () => {
    const dist = (await import(
      new URL('../dist/index.js', import.meta.url).href
    )) as typeof import('../src/index.js');
    const inThread = join(root, 'threads-0');
    const pooled = join(root, 'threads-2');
    await dist.generateCohort({ out: inThread, patients: 3, seed: 21, preset: 'tiny', workers: 0 });
    await dist.generateCohort({ out: pooled, patients: 3, seed: 21, preset: 'tiny', workers: 2 });
    expect(digestTree(pooled)).toEqual(digestTree(inThread));
  });
});
