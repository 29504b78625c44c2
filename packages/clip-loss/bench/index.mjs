// Benchmark: symmetric InfoNCE forward+backward at the paper's batch (4096 × 4096, dim 512) on wasm,
// beside PyTorch (1 thread) measured in the same run. Prints time, ratio and the chunked mode's peak
// tensor memory. Usage: node bench/index.mjs [N] [DIM] [REPEATS]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMachineState, initBackend, machineState, Rng, tf } from 'renal-core';
import { clipLabels, clipLogits, clipLoss, clipLossFromLogits, INIT_LOG_LOGIT_SCALE } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const [n, dim, repeats] = [
  Number(process.argv[2] ?? 4096),
  Number(process.argv[3] ?? 512),
  Number(process.argv[4] ?? 3),
];

console.log(
  `symmetric InfoNCE forward+backward, ${n}×${n} logits, dim ${dim}, median (best) of ${repeats}; the machine is shared, so best-of is the steadier ratio\n`,
);

const backend = process.env.RENAL_BACKEND ?? 'wasm';
await initBackend(backend);
console.log(formatMachineState(await machineState()));
const rng = new Rng(0);
const images = tf.tensor2d(rng.normalArray(n * dim), [n, dim]);
const texts = tf.tensor2d(rng.normalArray(n * dim), [n, dim]);
const logScale = tf.scalar(INIT_LOG_LOGIT_SCALE);
const torch = runTorch(await images.data(), await texts.data());

const modes = [
  ['clipLoss, one chunk', (x, y, s) => clipLoss(x, y, s)],
  ['clipLoss, chunkSize 1024', (x, y, s) => clipLoss(x, y, s, { chunkSize: 1024 })],
  ['clipLoss, chunkSize 256', (x, y, s) => clipLoss(x, y, s, { chunkSize: 256 })],
];
// The plain formulation is the tested reference, not a fast path: tfjs's autodiff of matMul uses
// transpose flags, which are slow on wasm, so it is only timed at small sizes.
if (n <= 1024) {
  modes.push([
    'plain autodiff (clipLogits + clipLossFromLogits)',
    (x, y, s) => clipLossFromLogits(clipLogits(x, y, s), clipLabels(n)),
  ]);
}

const rows = [];
for (const [name, loss] of modes) {
  const step = async () => {
    const { value, grads } = tf.valueAndGrads((x, y, s) => loss(x, y, s))([images, texts, logScale]);
    const result = (await value.data())[0];
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose([value, ...grads]);
    return result;
  };
  await step(); // warm-up
  const times = [];
  let lossValue = 0;
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    lossValue = await step();
    times.push((performance.now() - start) / 1000);
  }
  times.sort((a, b) => a - b);
  const profile = await tf.profile(step);
  rows.push({
    name,
    median: times[Math.floor(times.length / 2)],
    best: times[0],
    peakMiB: profile.peakBytes / 2 ** 20,
    lossValue,
  });
}

console.log(
  `PyTorch ${torch.torch}, ${torch.threads} thread: ${torch.median_s.toFixed(3)} s (best ${torch.min_s.toFixed(3)} s) (loss ${torch.loss.toFixed(6)})`,
);
for (const row of rows) {
  console.log(
    `${backend} ${row.name}: ${row.median.toFixed(3)} s, ${(row.median / torch.median_s).toFixed(2)}× PyTorch ` +
      `(best ${row.best.toFixed(3)} s, ${(row.best / torch.min_s).toFixed(2)}×), ` +
      `peak tensor memory ${row.peakMiB.toFixed(0)} MiB (loss ${row.lossValue.toFixed(6)}, |Δ| vs PyTorch ${Math.abs(row.lossValue - torch.loss).toExponential(1)})`,
  );
}
tf.dispose([images, texts, logScale]);

/** Times PyTorch on the same embeddings (written to a temporary file) so the losses can be compared too. */
function runTorch(imageValues, textValues) {
  const dir = mkdtempSync(join(tmpdir(), 'clip-loss-bench-'));
  const file = join(dir, 'embeddings.f32');
  writeFileSync(file, Buffer.concat([Buffer.from(imageValues.buffer), Buffer.from(textValues.buffer)]));
  const args = [join(here, 'torch_reference.py'), String(n), String(dim), String(repeats), file];
  const result = spawnSync('/usr/bin/python3', args, {
    env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
    encoding: 'utf8',
  });
  rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) throw new Error(`PyTorch reference failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}
