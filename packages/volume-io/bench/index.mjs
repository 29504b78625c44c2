// Benchmark: decode a 512×512×120 int16 .nii.gz and produce the paper's 128×128×32 crop, against nibabel + scipy
// doing the same in the same run. Each side runs in its own process so peak memory (max RSS) is its own.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const python = '/usr/bin/python3';
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
await import('@tensorflow/tfjs-core');
const { formatMachineState, machineState } = await import('renal-core');
console.log(formatMachineState(await machineState()));

const dir = mkdtempSync(join(tmpdir(), 'vio-bench-'));
try {
  const scan = join(dir, 'scan.nii.gz');
  execFileSync(python, [join(here, 'make_scan.py'), scan]);
  const center = ['300', '250', '60'];
  const run = (cmd, args) =>
    JSON.parse(
      execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } })
        .trim()
        .split('\n')
        .pop(),
    );
  const ours = [];
  const ref = [];
  for (let r = 0; r < repeats; r++) {
    ours.push(run(process.execPath, [join(here, 'ours.mjs'), scan, ...center]));
    ref.push(run(python, [join(here, 'reference_run.py'), scan, ...center]));
  }
  const best = (xs) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const o = best(ours);
  const p = best(ref);
  console.log('\n512×512×120 int16 .nii.gz (scl_inter −1024) → paper crop 128×128×32 (best of %d)', repeats);
  console.log(
    '  renal-volume-io  %s s (read %s s)  peak RSS %s MiB (node baseline %s MiB; decoded volume %s MiB)',
    o.seconds.toFixed(3),
    o.readSeconds.toFixed(3),
    o.peakMiB.toFixed(0),
    o.baseMiB.toFixed(0),
    o.decodedMiB.toFixed(0),
  );
  console.log(
    '  nibabel + scipy  %s s  peak RSS %s MiB (python baseline %s MiB)',
    p.seconds.toFixed(3),
    p.peakMiB.toFixed(0),
    p.baseMiB.toFixed(0),
  );
  console.log(
    '  ratio (ours / python): time %s×, peak memory above baseline %s×',
    (o.seconds / p.seconds).toFixed(2),
    ((o.peakMiB - o.baseMiB) / (p.peakMiB - p.baseMiB)).toFixed(2),
  );
  console.log(
    '  peak memory above baseline / decoded volume: %s×',
    ((o.peakMiB - o.baseMiB) / o.decodedMiB).toFixed(2),
  );
  console.log(
    '  crops agree: sum %s vs %s (mean |diff| %s)',
    o.sum.toFixed(3),
    p.sum.toFixed(3),
    (Math.abs(o.sum - p.sum) / (128 * 128 * 32)).toExponential(2),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
