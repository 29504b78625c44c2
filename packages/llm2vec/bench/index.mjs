// `pnpm bench`: tokens/s of a 6-layer, 384-wide, 6-head Llama encoder at batch 8 x 256 (bidirectional
// inference, and one LoRA MNTP training step with Adam), on our backends and on PyTorch (1 thread) in
// the same run. Backends: BENCH_BACKENDS (default "wasm"); PyTorch threads: BENCH_TORCH_THREADS (default 1);
// training micro-batch: BENCH_MICRO_BATCH (default 2, gradients summed over the 8 rows).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const { formatMachineState, initBackend, machineState, Rng, tf } = await import('renal-core');
const { LlamaModel, LoraAdapter, maskForMntp, mntpLoss, randomHostWeights, weightsFromHost } = await import(
  '../dist/index.js'
);

const B = 8;
const T = 256;
const V = 1000;
const config = {
  hiddenSize: 384,
  intermediateSize: 1536,
  numAttentionHeads: 6,
  numKeyValueHeads: 6,
  numHiddenLayers: 6,
  headDim: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 500000,
  ropeScaling: null,
  vocabSize: V,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 512,
  attentionDropout: 0,
  bosTokenId: 0,
  eosTokenId: 1,
};

async function timeIt(fn, repeats) {
  await fn(); // warm-up (kernel compilation, allocation)
  const start = performance.now();
  for (let i = 0; i < repeats; i++) await fn();
  return (performance.now() - start) / repeats / 1000;
}

async function ours(backend) {
  await initBackend(backend);
  const rng = new Rng(0);
  const model = new LlamaModel(
    config,
    weightsFromHost(
      randomHostWeights(config, (n, std) => rng.normalArray(n, 0, std)),
      config,
    ),
  );
  const batch = {
    batchSize: B,
    seqLen: T,
    inputIds: Int32Array.from({ length: B * T }, () => rng.int(V)),
    attentionMask: new Uint8Array(B * T).fill(1),
  };
  const inferSeconds = await timeIt(async () => {
    const h = model.forward(batch, { bidirectional: true });
    await h.data();
    h.dispose();
  }, 2);
  model.lora = LoraAdapter.create(
    config,
    {
      r: 16,
      alpha: 32,
      dropout: 0,
      targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    },
    rng,
  );
  const optimizer = tf.train.adam(1e-4);
  const vars = model.lora.variables();
  // One training step over the whole 8 x 256 batch, as MICRO micro-batches whose gradients are summed
  // (weighted by their share of masked tokens, so the step equals a full-batch step): wasm copies every
  // tensor saved for backprop, and the full batch's activations overflow its heap.
  const micro = Number(process.env.BENCH_MICRO_BATCH ?? 2);
  const parts = [];
  for (let start = 0; start < B; start += micro) {
    const rows = Math.min(micro, B - start);
    const part = {
      batchSize: rows,
      seqLen: T,
      inputIds: batch.inputIds.slice(start * T, (start + rows) * T),
      attentionMask: batch.attentionMask.slice(start * T, (start + rows) * T),
    };
    parts.push(maskForMntp(part, { maskTokenId: 2, vocabSize: V }, rng));
  }
  const totalMasked = parts.reduce((n, p) => n + p.positions.length, 0);
  const counts = [];
  const trainSeconds = await timeIt(async () => {
    let sum = null;
    for (const masked of parts) {
      const share = masked.positions.length / totalMasked;
      const { value, grads } = tf.variableGrads(
        () => tf.mul(mntpLoss(model, masked, { training: true }), share),
        vars,
      );
      value.dispose();
      if (sum === null) sum = grads;
      else {
        for (const name of Object.keys(sum)) {
          const next = tf.add(sum[name], grads[name]);
          sum[name].dispose();
          grads[name].dispose();
          sum[name] = next;
        }
      }
    }
    optimizer.applyGradients(sum);
    tf.dispose(Object.values(sum));
    counts.push(tf.memory().numTensors);
  }, 2);
  optimizer.dispose();
  model.dispose();
  return {
    inferTokensPerSec: (B * T) / inferSeconds,
    trainTokensPerSec: (B * T) / trainSeconds,
    tensorCounts: counts,
  };
}

function pytorch() {
  const script = fileURLToPath(new URL('./reference_bench.py', import.meta.url));
  const threads = process.env.BENCH_TORCH_THREADS ?? '1';
  const run = spawnSync('/usr/bin/python3', [script, threads], {
    encoding: 'utf8',
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: threads },
  });
  if (run.status !== 0)
    return { error: (run.stderr || run.error?.message || 'failed').trim().split('\n').at(-1) };
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

const backends = (process.env.BENCH_BACKENDS ?? 'wasm').split(',');
await initBackend(backends[0]);
console.log(formatMachineState(await machineState()));
console.log(`model: 6 layers, 384 wide, 6 heads, SwiGLU 1536, vocab ${V}; batch ${B} x ${T} tokens`);
const reference = pytorch();
const fmt = (x) => x.toFixed(0).padStart(8);
if (reference.error) console.log(`PyTorch reference unavailable: ${reference.error}`);
else
  console.log(
    `pytorch (${process.env.BENCH_TORCH_THREADS ?? 1} thread): inference ${fmt(reference.inferTokensPerSec)} tok/s   training step ${fmt(reference.trainTokensPerSec)} tok/s`,
  );
for (const backend of backends) {
  const r = await ours(backend);
  const ratio = (a, b) => (reference.error ? '' : ` (${(a / b).toFixed(2)}x)`);
  console.log(
    `${backend.padEnd(8)}: inference ${fmt(r.inferTokensPerSec)} tok/s${ratio(r.inferTokensPerSec, reference.inferTokensPerSec)}` +
      `   training step ${fmt(r.trainTokensPerSec)} tok/s${ratio(r.trainTokensPerSec, reference.trainTokensPerSec)}` +
      `   tensors after each step: ${r.tensorCounts.join(', ')}`,
  );
}
