import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNifti } from 'renal-volume-io';
import { describe, expect, it } from 'vitest';
import { kitsAggressive, kitsOverallSurvival, readKitsFolder } from '../src/index.js';

const identity = [
  [1, 0, 0, 0],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];
/** Voxel i runs towards the patient's left (x = −i), as in scans stored in LPS/LAS order. */
const flippedX = [
  [-1, 0, 0, 19],
  [0, 1, 0, 0],
  [0, 0, 1, 0],
  [0, 0, 0, 1],
];

/** Two kidneys along i (voxels 1–5 and 14–18 of row j=5, k=3) and a tumour at `tumourAt`. */
async function writeCase(root: string, name: string, tumourAt: [number, number, number], affine = identity) {
  const shape: [number, number, number] = [20, 10, 6];
  const seg = new Uint8Array(20 * 10 * 6);
  const at = (i: number, j: number, k: number) => i + 20 * (j + 10 * k);
  for (const i of [1, 2, 3, 4, 5, 14, 15, 16, 17, 18]) seg[at(i, 5, 3)] = 1;
  seg[at(...tumourAt)] = 2;
  mkdirSync(join(root, name), { recursive: true });
  const volume = (data: Uint8Array | Int16Array) => ({
    data,
    shape,
    spacing: [1, 1, 1] as [number, number, number],
    affine,
    datatype: 'uint8',
  });
  await writeNifti(join(root, name, 'segmentation.nii.gz'), volume(seg));
  await writeNifti(join(root, name, 'imaging.nii.gz'), {
    ...volume(new Int16Array(seg.length)),
    datatype: 'int16',
  });
}

describe('KiTS folder adapter', () => {
  it('derives labels from the clinical fields', () => {
    expect(kitsAggressive({ case_id: 'a', tumor_isup_grade: 3 })).toBe(1);
    expect(kitsAggressive({ case_id: 'a', tumor_isup_grade: 2, pathology_t_stage: '1b' })).toBe(0);
    expect(kitsAggressive({ case_id: 'a', tumor_isup_grade: null, pathology_t_stage: '3a' })).toBe(1);
    expect(kitsAggressive({ case_id: 'a' })).toBeUndefined();
    expect(
      kitsOverallSurvival({ case_id: 'a', vital_status: 'dead', vital_days_after_surgery: 304.375 }),
    ).toEqual({ time: 10, event: 1 });
    expect(kitsOverallSurvival({ case_id: 'a', vital_status: 'alive' })).toBeUndefined();
  });

  it("reads one record per tumour-bearing kidney, its side from RAS x (+x is the patient's right)", async () => {
    const root = mkdtempSync(join(tmpdir(), 'kits-'));
    await writeCase(root, 'case_00000', [16, 5, 3]);
    await writeCase(root, 'case_00001', [3, 5, 3]);
    await writeCase(root, 'case_00002', [16, 5, 3], flippedX);
    writeFileSync(
      join(root, 'kits.json'),
      JSON.stringify([
        {
          case_id: 'case_00000',
          malignant: true,
          tumor_isup_grade: 4,
          vital_status: 'alive',
          vital_days_after_surgery: 100,
        },
        { case_id: 'case_00001', malignant: false, tumor_isup_grade: null, pathology_t_stage: '1a' },
      ]),
    );
    const records = await readKitsFolder(root);
    expect(records.map((r) => [r.id, r.side, r.center, r.malignant, r.aggressive])).toEqual([
      ['case_00000_R', 'R', [16, 5, 3], 1, 1],
      ['case_00001_L', 'L', [3, 5, 3], 0, 0],
      ['case_00002_L', 'L', [16, 5, 3], undefined, undefined],
    ]);
    expect(records[0].os?.event).toBe(0);
    await expect(readKitsFolder(join(root, 'nope'))).rejects.toThrow(/no such folder/);
  });
});
