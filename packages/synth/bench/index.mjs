// Benchmark: generate cohorts (tiny and paper presets) to a temporary folder and time them; beside it, the
// reference — nibabel + numpy writing the same number of .nii.gz volumes of the same size (I/O alone, no
// phantom) — measured in the same run. Usage: node bench/index.mjs [patients]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMachineState, machineState } from 'renal-core';
import { generateCohort, PRESETS } from '../dist/index.js';

const patients = Number(process.argv[2] ?? 200);
// nibabel is timed on at most this many patients and scaled linearly (it is I/O-bound and linear).
const REFERENCE_PATIENTS = 20;
console.log(formatMachineState(await machineState()));
console.log(`cores: ${availableParallelism()}\n`);

async function timeCohort(preset) {
  const out = mkdtempSync(join(tmpdir(), `renal-synth-bench-${preset}-`));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let peak = 0;
  const summary = await generateCohort({
    out,
    patients,
    seed: 1,
    preset,
    onProgress: () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    },
  });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const du = spawnSync('du', ['-sm', out], { encoding: 'utf8' }).stdout.split('\t')[0];
  rmSync(out, { recursive: true, force: true });
  return {
    wall,
    cpu: (cpu.user + cpu.system) / 1e6,
    peakMiB: peak / 2 ** 20,
    diskMiB: Number(du),
    oracle: summary.oracle,
  };
}

function referenceSeconds(preset) {
  const [ni, nj, nk] = PRESETS[preset].shape;
  const script = `
import time, tempfile, os, numpy as np, nibabel as nib
n = ${Math.min(patients, REFERENCE_PATIENTS)}
shape = (${ni}, ${nj}, ${nk})
rng = np.random.default_rng(0)
base = rng.normal(0, 12, size=shape).astype(np.int16) + np.int16(40)
seg = (rng.random(shape) < 0.05).astype(np.uint8)
aff = np.diag([-1.0, -1.0, 1.0, 1.0])
d = tempfile.mkdtemp()
t = time.perf_counter()
for p in range(n):
    for ph in 'NAVD':
        nib.save(nib.Nifti1Image(base, aff), os.path.join(d, f'{p}_{ph}.nii.gz'))
    nib.save(nib.Nifti1Image(seg, aff), os.path.join(d, f'{p}_seg.nii.gz'))
    for f in os.listdir(d): os.remove(os.path.join(d, f))
print(time.perf_counter() - t)
`;
  const r = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) return Number.NaN;
  return (Number(r.stdout.trim()) * patients) / Math.min(patients, REFERENCE_PATIENTS);
}

for (const preset of ['tiny', 'paper']) {
  const ours = await timeCohort(preset);
  const ref = referenceSeconds(preset);
  const [ni, nj, nk] = PRESETS[preset].shape;
  console.log(`${preset} (${ni}×${nj}×${nk}), ${patients} patients × (4 phases + segmentation):`);
  console.log(
    `  renal-synth: ${ours.wall.toFixed(1)} s wall, ${ours.cpu.toFixed(1)} s CPU, peak RSS ${ours.peakMiB.toFixed(0)} MiB, ${ours.diskMiB} MiB on disk`,
  );
  console.log(
    `  reference (nibabel writing the same volumes, no phantom; timed on ${Math.min(patients, REFERENCE_PATIENTS)} patients, scaled): ${ref.toFixed(1)} s wall`,
  );
  console.log(`  ratio ours / reference: ${(ours.wall / ref).toFixed(2)}`);
  console.log(`  oracle: ${JSON.stringify(ours.oracle)}\n`);
}
