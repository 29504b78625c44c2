import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from 'renal-core';
import { writeNifti } from 'renal-volume-io';

/**
 * A minimal cohort for plumbing tests (not renal-synth): small int16 volumes with two kidney blobs, a bright
 * mass in malignant kidneys, reports that state it, random attributes and outcomes. Returns the manifest path.
 */
export async function writeMiniCohort(dir: string, patients: number, seed = 1): Promise<string> {
  const rng = new Rng(seed);
  const shape: [number, number, number] = [48, 40, 12];
  const lines: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (let p = 0; p < patients; p++) {
    const malignant = [rng.bernoulli(0.5) ? 1 : 0, rng.bernoulli(0.5) ? 1 : 0];
    const centers: [number, number, number][] = [
      [12, 20, 6],
      [36, 20, 6],
    ];
    const folder = join(dir, `p${p}`);
    mkdirSync(folder, { recursive: true });
    for (const phase of ['A', 'N']) {
      const data = new Int16Array(shape[0] * shape[1] * shape[2]).fill(-100);
      centers.forEach(([ci, cj, ck], side) => {
        for (let k = 0; k < shape[2]; k++)
          for (let j = 0; j < shape[1]; j++)
            for (let i = 0; i < shape[0]; i++) {
              const r = Math.hypot(i - ci, j - cj, (k - ck) * 3);
              const index = i + shape[0] * (j + shape[1] * k);
              if (r < 7) data[index] = phase === 'A' ? 150 : 30;
              if (malignant[side] && Math.hypot(i - ci - 3, j - cj, (k - ck) * 3) < 3) data[index] = 280;
            }
      });
      await writeNifti(join(folder, `${phase}.nii.gz`), {
        data,
        shape,
        spacing: [3, 3, 12],
        affine: [
          [3, 0, 0, 0],
          [0, 3, 0, 0],
          [0, 0, 12, 0],
          [0, 0, 0, 1],
        ],
        datatype: 'int16',
      });
    }
    (['R', 'L'] as const).forEach((side, s) => {
      const m = malignant[s];
      const attributes = [
        1,
        m ? 0 : 3,
        rng.int(5),
        0,
        m ? 3 : 0,
        -1,
        3,
        rng.int(3),
        rng.int(7),
        0,
        0,
        -1,
        m ? rng.int(2) : 0,
        0,
      ];
      const time = rng.uniformIn(1, 60) / (m ? 3 : 1);
      lines.push(
        JSON.stringify({
          id: `p${p}${side}`,
          patientId: `p${p}`,
          side,
          phases: { A: `p${p}/A.nii.gz`, N: `p${p}/N.nii.gz` },
          center: centers[s],
          report: m
            ? `Findings: enhancing solid mass with heterogeneous enhancement. Impression: suspicious for renal cell carcinoma.`
            : `Findings: simple cyst without enhancement. Impression: benign cyst.`,
          attributes,
          renal: {
            R: 1 + rng.int(3),
            E: 1 + rng.int(3),
            N: 1 + rng.int(3),
            A: rng.pick(['a', 'p', 'x']),
            L: 1 + rng.int(3),
            H: false,
          },
          malignant: m,
          aggressive: m && rng.bernoulli(0.5) ? 1 : 0,
          rfs: { time, event: m || rng.bernoulli(0.2) ? 1 : 0 },
          dss: { time: time * 1.2, event: m ? 1 : 0 },
          os: { time: time * 1.3, event: m || rng.bernoulli(0.3) ? 1 : 0 },
        }),
      );
    });
  }
  const manifest = join(dir, 'manifest.jsonl');
  writeFileSync(manifest, `${lines.join('\n')}\n`);
  return manifest;
}
