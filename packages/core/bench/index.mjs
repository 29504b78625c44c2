// renal-core conv3d benchmark: `pnpm --filter renal-core bench [-- --quick] [-- --no-cpu] [-- --reps N] [-- --webgpu]`.
// Prints the machine state, then forward and forward+backward GFLOP/s for TensorFlow.js's own conv3d on
// cpu (the reference row), our conv3d on cpu and wasm (and webgpu with --webgpu, which runs on the CPU
// through Mesa here), and PyTorch (/usr/bin/python3, 2 threads) timed in the same run, with ratios.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { conv3d, conv3dFlops, formatMachineState, initBackend, machineState, tf } from '../dist/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// --no-cpu: skip the cpu rows (minutes of tfjs's cpu conv3d), e.g. to re-measure wasm against PyTorch.
const withCpu = !args.includes('--no-cpu');
const withWebgpu = args.includes('--webgpu');
const repsArg = args.indexOf('--reps');
const reps = repsArg >= 0 ? Number(args[repsArg + 1]) : 3;

const LAYERS = [
  {
    name: '3x3x3 16->32',
    x: [2, 32, 64, 64, 16],
    filter: [3, 3, 3, 16, 32],
    options: { strides: 1, padding: 'same' },
    // Both gradients: an inner layer needs dx and dfilter.
    inputGrad: true,
  },
  {
    name: 'stem 7x7x7 s2 1->64',
    x: [2, 32, 128, 128, 1],
    filter: [7, 7, 7, 1, 64],
    options: {
      strides: 2,
      padding: [
        [3, 3],
        [3, 3],
        [3, 3],
      ],
    },
    // The stem's input is the image: training needs only dfilter (our gradients are lazy, so dx is skipped).
    inputGrad: false,
  },
];

/**
 * The cpu rows run on a quarter of the work (batch 1, half the depth): tfjs's cpu conv3d manages
 * well under 1 GFLOP/s, so the full layers' backward passes take minutes on a shared machine. GFLOP/s is
 * computed from the shape actually run, so the rows stay comparable.
 */
function cpuSized(layer) {
  return { ...layer, x: [1, layer.x[1] / 2, ...layer.x.slice(2)], shapeNote: 'batch 1, depth/2' };
}

function plansOf(layer) {
  const out = layer.x.slice(1, 4).map((n, a) => {
    const k = layer.filter[a];
    const s = layer.options.strides;
    const pad = layer.options.padding;
    if (pad === 'same') return { out: Math.ceil(n / s), kernel: k };
    return { out: Math.floor((n + pad[a][0] + pad[a][1] - k) / s) + 1, kernel: k };
  });
  return out;
}

function flops(layer) {
  const forward = conv3dFlops(plansOf(layer), layer.x[0], layer.x[4], layer.filter[4]);
  return { forward, forwardBackward: forward * (layer.inputGrad ? 3 : 2) };
}

async function timeBest(fn, n) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < n; r++) {
    const start = performance.now();
    const out = fn();
    for (const t of Array.isArray(out) ? out : [out]) await t.data();
    best = Math.min(best, (performance.now() - start) / 1000);
    tf.dispose(out);
  }
  return best;
}

async function measure(backend, label, conv, layer, n, { forwardBackward = true } = {}) {
  await initBackend(backend);
  const x = tf.randomNormal(layer.x);
  const w = tf.randomNormal(layer.filter, 0, 0.05);
  const y0 = conv(x, w);
  const dy = tf.randomNormal(y0.shape);
  y0.dispose();
  const forward = await timeBest(() => conv(x, w), n);
  let fb = Number.NaN;
  if (forwardBackward) {
    const loss = (a, b) => tf.sum(tf.mul(conv(a, b), dy));
    fb = layer.inputGrad
      ? await timeBest(() => tf.grads(loss)([x, w]), n)
      : await timeBest(() => tf.grad((b) => loss(x, b))(w), n);
  }
  tf.dispose([x, w, dy]);
  return {
    layer: layer.name,
    label,
    backend,
    forward,
    forwardBackward: fb,
    flops: flops(layer),
    note: layer.shapeNote,
  };
}

function runTorch() {
  const script = fileURLToPath(new URL('./torch_conv3d.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, '2', String(reps)], {
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: '2' },
    encoding: 'utf8',
  });
  if (run.status !== 0) {
    console.log(
      `PyTorch reference unavailable: ${(run.stderr || run.error?.message || '').trim().split('\n').pop()}`,
    );
    return undefined;
  }
  return JSON.parse(run.stdout);
}

const nativeConv = (layer) => (x, w) =>
  tf.tidy(() => {
    const pad = layer.options.padding;
    if (typeof pad === 'string') return tf.conv3d(x, w, layer.options.strides, pad);
    return tf.conv3d(tf.pad(x, [[0, 0], ...pad, [0, 0]]), w, layer.options.strides, 'valid');
  });

await initBackend('cpu');
console.log(formatMachineState(await machineState()));
console.log(
  `reps: best of ${reps} (cpu rows: 1, on batch 1 and half the depth)${quick ? ', --quick: cpu forward+backward skipped' : ''}; ` +
    'fwd+bwd GFLOP/s counts 3× forward when dx and dfilter are computed, 2× for the stem (dfilter only)',
);

const rows = [];
for (const layer of LAYERS) {
  const small = cpuSized(layer);
  const ours = (x, w) => conv3d(x, w, layer.options);
  if (withCpu) {
    rows.push(
      await measure('cpu', 'tf.conv3d (reference)', nativeConv(layer), small, 1, { forwardBackward: !quick }),
    );
    rows.push(await measure('cpu', 'renal-core conv3d', ours, small, 1, { forwardBackward: !quick }));
  }
  // One untimed call first: the wasm backend sets up XNNPACK operators on first use.
  await measure(
    'wasm',
    'warm-up',
    ours,
    { ...layer, x: [1, ...layer.x.slice(1, 2).map(() => 4), 8, 8, layer.x[4]] },
    1,
  );
  rows.push(await measure('wasm', 'renal-core conv3d', ours, layer, reps));
  if (withWebgpu) rows.push(await measure('webgpu', 'renal-core conv3d', ours, layer, 1));
}
await initBackend('cpu');

const torch = runTorch();
const table = rows.map((r) => {
  const f = r.flops;
  const t = torch?.layers[r.layer];
  const layer = LAYERS.find((l) => l.name === r.layer);
  const full = flops(layer);
  const gf = (flop, s) => (Number.isFinite(s) ? (flop / s / 1e9).toFixed(2) : '—');
  const ratio = (ours, ref) => (Number.isFinite(ours) && ref ? (ref / ours).toFixed(3) : '—');
  return {
    layer: r.layer,
    implementation: r.label,
    backend: r.backend,
    'fwd s': r.forward.toFixed(3),
    'fwd GFLOP/s': gf(f.forward, r.forward),
    'fwd+bwd s': Number.isFinite(r.forwardBackward) ? r.forwardBackward.toFixed(3) : '—',
    'fwd+bwd GFLOP/s': gf(f.forwardBackward, r.forwardBackward),
    // Ratios of speeds (GFLOP/s), so the cpu rows' smaller shape does not matter.
    'fwd vs torch': ratio(r.forward * (full.forward / f.forward), t?.forward),
    'fwd+bwd vs torch': ratio(
      r.forwardBackward * (full.forwardBackward / f.forwardBackward),
      t?.forwardBackward,
    ),
    shape: r.note ?? 'full',
  };
});
if (torch) {
  for (const layer of LAYERS) {
    const t = torch.layers[layer.name];
    const f = flops(layer);
    table.push({
      layer: layer.name,
      implementation: `PyTorch ${torch.torch} conv3d`,
      backend: `cpu, ${torch.threads} threads`,
      'fwd s': t.forward.toFixed(3),
      'fwd GFLOP/s': (f.forward / t.forward / 1e9).toFixed(2),
      'fwd+bwd s': t.forwardBackward.toFixed(3),
      'fwd+bwd GFLOP/s': (f.forwardBackward / t.forwardBackward / 1e9).toFixed(2),
      'fwd vs torch': '1',
      'fwd+bwd vs torch': '1',
      shape: 'full',
    });
  }
}
console.table(table);
console.log('"vs torch" = our speed / PyTorch speed (1 = as fast as PyTorch on the same 2 cores, same run).');
console.log('wasm targets (3x3x3 layer): ≥ 15 GFLOP/s forward, ≥ 8 GFLOP/s forward+backward.');
console.log(formatMachineState(await machineState()));
