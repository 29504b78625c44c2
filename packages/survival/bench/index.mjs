// renal-survival benchmark: our speed beside R's survival and PyTorch on the same data, same run.
//   pnpm --filter renal-survival bench
// Prints wall-clock (median of several runs, after one warm-up) and the CPU time of the same runs, since
// this machine is shared; the references are timed on the same data right after.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { formatMachineState, machineState, Rng, tf, initBackend } = await import('renal-core');
const { CoxPHFitter, coxPartialLikelihoodLoss, harrellC } = await import('../dist/index.js');

await initBackend('cpu');
console.log(formatMachineState(await machineState()));
const dir = mkdtempSync(join(tmpdir(), 'renal-survival-bench-'));
const rng = new Rng(2024);

/** Median wall and CPU milliseconds of `runs` calls after one warm-up. */
function time(fn, runs) {
  fn();
  const walls = [];
  const cpus = [];
  let value;
  for (let r = 0; r < runs; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    walls.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { wall: median(walls), cpu: median(cpus), value };
}

// Harrell's C, 10⁶ samples: integer times (heavy ties), 60 % events, normal risks.
const nC = 1_000_000;
const hTime = new Float64Array(nC);
const hEvent = new Uint8Array(nC);
const hRisk = new Float64Array(nC);
let csv = 'time,event,risk\n';
for (let i = 0; i < nC; i++) {
  hTime[i] = Math.floor(rng.uniform() * 1000);
  hEvent[i] = rng.uniform() < 0.6 ? 1 : 0;
  hRisk[i] = Math.round(rng.normal() * 1e6) / 1e6;
  csv += `${hTime[i]},${hEvent[i]},${hRisk[i]}\n`;
}
writeFileSync(join(dir, 'harrell.csv'), csv);
const harrell = time(() => harrellC(hTime, hEvent, hRisk).concordance, 5);
const harrellNoSe = time(() => harrellC(hTime, hEvent, hRisk, { standardError: false }).concordance, 5);

// Cox fit, 10⁵ rows × 10 covariates, Efron ties.
const nCox = 100_000;
const p = 10;
const rows = [];
const cTime = new Float64Array(nCox);
const cEvent = new Uint8Array(nCox);
csv = `time,event,${Array.from({ length: p }, (_, j) => `x${j}`).join(',')}\n`;
for (let i = 0; i < nCox; i++) {
  const x = Float64Array.from({ length: p }, () => Math.round(rng.normal() * 1e6) / 1e6);
  let lp = 0;
  for (let j = 0; j < p; j++) lp += (0.1 * j * x[j]) / p;
  cTime[i] = Math.max(1, Math.round(-Math.log(rng.uniform()) * Math.exp(-lp) * 100));
  cEvent[i] = rng.uniform() < 0.7 ? 1 : 0;
  rows.push(x);
  csv += `${cTime[i]},${cEvent[i]},${x.join(',')}\n`;
}
writeFileSync(join(dir, 'cox.csv'), csv);
const cox = time(() => new CoxPHFitter().fit({ X: rows, time: cTime, event: cEvent }).coefficients, 3);

// Cox loss forward + backward, 10⁵ scores (Breslow, mean over events), TF.js cpu backend.
const scores = Float32Array.from({ length: nCox }, () => rng.normal());
csv = 'time,event,eta\n';
for (let i = 0; i < nCox; i++) csv += `${cTime[i]},${cEvent[i]},${scores[i]}\n`;
writeFileSync(join(dir, 'loss.csv'), csv);
const eta = tf.tensor1d(scores);
const lossAndGrad = tf.valueAndGrad((s) => coxPartialLikelihoodLoss(s, cTime, cEvent));
const loss = time(() => {
  const { value, grad } = lossAndGrad(eta);
  grad.dataSync();
  const v = value.dataSync()[0];
  tf.dispose([value, grad]);
  return v;
}, 15);

const run = (cmd, args, env = {}) => {
  const out = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (out.status !== 0)
    return { error: (out.stderr || out.error?.message || 'failed').trim().split('\n').pop() };
  return JSON.parse(out.stdout.trim().split('\n').pop());
};
const r = run('Rscript', [new URL('./reference.R', import.meta.url).pathname, dir]);
const torch = run('/usr/bin/python3', [new URL('./torch_reference.py', import.meta.url).pathname, dir], {
  OMP_NUM_THREADS: '1',
  OMP_WAIT_POLICY: 'PASSIVE',
});
rmSync(dir, { recursive: true, force: true });

const ms = (x) => `${x.toFixed(1)} ms`.padStart(10);
/** One row: our wall and CPU time, the reference's, and reference/ours ratios for both. */
const line = (name, ours, ref, refName, target) => {
  const refText = ref ? `${refName} ${ms(ref.wall)} (cpu ${ms(ref.cpu)})` : `${refName} n/a`;
  const ratio = ref
    ? `${(ref.wall / ours.wall).toFixed(2)}× wall, ${(ref.cpu / ours.cpu).toFixed(2)}× cpu`
    : 'n/a';
  console.log(
    `${name.padEnd(34)} ours ${ms(ours.wall)} (cpu ${ms(ours.cpu)})  ${refText}  ratio ${ratio}  target ${target}`,
  );
};
const seconds = (wall, cpu) => (wall === undefined ? undefined : { wall: wall * 1000, cpu: cpu * 1000 });
console.log('');
const rConcordance = seconds(r.concordance_s, r.concordance_cpu_s);
line("Harrell's C + std. error, n = 1e6", harrell, rConcordance, 'R concordance', '< 1000 ms');
line("Harrell's C alone, n = 1e6", harrellNoSe, rConcordance, 'R concordance', '< 1000 ms');
line('Cox fit (Efron), 1e5 × 10', cox, seconds(r.coxph_s, r.coxph_cpu_s), 'R coxph      ', '< 2000 ms');
line(
  'Cox loss fwd+bwd (Breslow), 1e5',
  loss,
  seconds(torch.seconds, torch.cpu_seconds),
  'PyTorch 1 thr',
  '~ PyTorch',
);
console.log('');
if (r.error) console.log(`R reference failed: ${r.error}`);
else {
  const coefDiff = Math.max(
    ...Array.from(cox.value, (b, j) => Math.abs(b - r.coef[j]) / Math.abs(r.coef[j])),
  );
  console.log(
    `agreement: C ours ${harrell.value.toFixed(12)} vs R ${r.concordance.toFixed(12)}; Cox coef max rel diff ${coefDiff.toExponential(2)} (R survival ${r.version}, default eps 1e-9)`,
  );
}
if (torch.error) console.log(`PyTorch reference failed: ${torch.error}`);
else
  console.log(
    `agreement: Cox loss ours ${loss.value.toFixed(7)} vs PyTorch ${torch.loss.toFixed(7)} (torch ${torch.torch}); ratio = reference time / our wall time`,
  );
