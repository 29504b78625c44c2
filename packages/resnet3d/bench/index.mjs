// Benchmark: the paper preset (ResNet-18, shortcut A, widths 64–512, input 32×128×128×1, projection 4096)
// — inference at batch 1 and a training step (forward, backward, AdamW) at batch 2, in volumes/s, on
// each backend, beside PyTorch 1.13 (2 threads, OMP_WAIT_POLICY=PASSIVE) measured in the same run.
//
//   node bench/index.mjs [--backends wasm,cpu] [--reps 2] [--train-backends wasm] [--no-torch]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const { formatMachineState, initBackend, machineState, tf } = await import('renal-core');
const { AttributeHeads, multiTaskAttributeLoss, ProjectionHead, RESNET3D_PRESETS, ResNet3d } = await import(
  '../dist/index.js'
);

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}
const backends = flag('backends', 'wasm,cpu').split(',');
const trainBackends = flag('train-backends', 'wasm').split(',');
const reps = Number(flag('reps', '2'));
const withTorch = !process.argv.includes('--no-torch');
const heapBatch = Number(flag('heap-batch', '0')); // e.g. 4: one extra training step at that batch on wasm

/** AdamW as PyTorch: decoupled decay p ← p·(1 − lr·wd), then Adam's update. */
function adamW(lr, weightDecay) {
  const adam = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  return {
    step(lossFn, variables) {
      tf.tidy(() => {
        for (const v of variables) v.assign(tf.mul(v, 1 - lr * weightDecay));
      });
      return adam.minimize(lossFn, true, variables);
    },
    dispose: () => adam.dispose(),
  };
}

async function time(fn, n) {
  await fn(); // warm-up: kernel compilation, allocation
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t) / 1000 / n;
}

async function benchBackend(name, train) {
  await initBackend(name);
  const preset = RESNET3D_PRESETS.paper;
  const net = new ResNet3d(preset.backbone);
  const proj = new ProjectionHead({ inFeatures: net.featureWidth, outFeatures: preset.projectionDim });
  const attr = new AttributeHeads({ inFeatures: net.featureWidth });
  const [d, h, w, c] = preset.inputShape;
  const x1 = tf.randomUniform([1, d, h, w, c]);
  const result = { backend: name };
  result.inference_s = await time(async () => {
    const y = tf.tidy(() => proj.apply(net.apply(x1)));
    await y.data();
    y.dispose();
  }, reps);
  result.inference_vps = 1 / result.inference_s;
  if (train) {
    const x2 = tf.randomUniform([2, d, h, w, c]);
    const labels = [new Array(14).fill(0), new Array(14).fill(1)];
    const optimizer = adamW(5e-4, 0.005);
    const variables = [...net.trainableVariables, ...attr.trainableVariables];
    const counts = [];
    result.train_step_s = await time(async () => {
      const loss = optimizer.step(
        () =>
          multiTaskAttributeLoss(attr.apply(net.apply(x2, { training: true }), { training: true }), labels),
        variables,
      );
      await loss.data();
      loss.dispose();
      counts.push(tf.memory().numTensors);
    }, reps);
    result.train_vps = 2 / result.train_step_s;
    result.tensor_count_flat = counts.slice(1).every((n) => n === counts[1]);
    x2.dispose();
    if (heapBatch > 0) {
      const xb = tf.randomUniform([heapBatch, d, h, w, c]);
      const labelsB = Array.from({ length: heapBatch }, (_, i) => new Array(14).fill(i % 2));
      const t = performance.now();
      const loss = optimizer.step(
        () =>
          multiTaskAttributeLoss(attr.apply(net.apply(xb, { training: true }), { training: true }), labelsB),
        variables,
      );
      await loss.data();
      loss.dispose();
      xb.dispose();
      result[`batch${heapBatch}_step_s`] = (performance.now() - t) / 1000;
      result[`batch${heapBatch}_rss_gb`] = process.memoryUsage().rss / 2 ** 30;
    }
    optimizer.dispose();
  }
  result.rss_gb = process.memoryUsage().rss / 2 ** 30;
  x1.dispose();
  for (const m of [net, proj, attr]) m.dispose();
  return result;
}

function torchFigures() {
  const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script], {
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', BENCH_THREADS: '2', BENCH_REPS: String(reps) },
    encoding: 'utf8',
  });
  if (run.status !== 0)
    return { error: (run.stderr || run.error?.message || 'failed').trim().split('\n').at(-1) };
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

console.log(formatMachineState(await machineState()));
console.log(
  `paper preset: ResNet-18 A 64–512, input 32×128×128×1, projection 4096; ${reps} timed rep(s) after 1 warm-up`,
);
const torch = withTorch ? torchFigures() : undefined;
const fmt = (v) => (v === undefined ? '—' : v.toFixed(3));
const rows = [];
for (const name of backends) {
  const r = await benchBackend(name, trainBackends.includes(name));
  rows.push(r);
  console.log(JSON.stringify(r));
}
if (torch !== undefined) console.log(JSON.stringify({ backend: 'pytorch', ...torch }));
console.log('\nbackend   inference vol/s  ×PyTorch   train vol/s  ×PyTorch');
for (const r of rows) {
  const ri = torch?.inference_vps ? r.inference_vps / torch.inference_vps : undefined;
  const rt = torch?.train_vps && r.train_vps ? r.train_vps / torch.train_vps : undefined;
  console.log(
    `${r.backend.padEnd(9)} ${fmt(r.inference_vps).padStart(15)}  ${fmt(ri).padStart(8)}   ${fmt(r.train_vps).padStart(11)}  ${fmt(rt).padStart(8)}`,
  );
}
if (torch?.inference_vps) {
  console.log(
    `${'pytorch'.padEnd(9)} ${fmt(torch.inference_vps).padStart(15)}  ${'1.000'.padStart(8)}   ${fmt(torch.train_vps).padStart(11)}  ${'1.000'.padStart(8)}`,
  );
}
