// Where a bench-sized pass spends its time on wasm: `node bench/profile.mjs` profiles one LoRA MNTP training
// micro-batch (2 x 256) by kernel and input shapes; `INFER=1` adds one inference pass at batch 8 x 256.
// "unnamed scope" rows are custom-gradient ops and overlap the kernels inside them.
const { initBackend, Rng, tf } = await import('renal-core');
const { LlamaModel, LoraAdapter, maskForMntp, mntpLoss, randomHostWeights, weightsFromHost } = await import(
  '../dist/index.js'
);
await initBackend('wasm');
const V = 1000,
  T = 256;
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
const rng = new Rng(0);
const model = new LlamaModel(
  config,
  weightsFromHost(
    randomHostWeights(config, (n, std) => rng.normalArray(n, 0, std)),
    config,
  ),
);
const mk = (B) => ({
  batchSize: B,
  seqLen: T,
  inputIds: Int32Array.from({ length: B * T }, () => rng.int(V)),
  attentionMask: new Uint8Array(B * T).fill(1),
});
const report = async (label, fn) => {
  await fn();
  const s = performance.now();
  const prof = await tf.profile(fn);
  const total = performance.now() - s;
  const by = {};
  for (const k of prof.kernels) {
    const key =
      k.name +
      ' ' +
      JSON.stringify(
        k.name === 'Transpose' || k.name === 'BatchMatMul'
          ? k.inputShapes
          : k.inputShapes.map((s) => s?.length),
      );
    by[key] = (by[key] ?? 0) + k.kernelTimeMs;
  }
  const rows = Object.entries(by)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 80);
  console.log(
    label,
    'total',
    total.toFixed(0),
    'ms; kernel sum',
    prof.kernels.reduce((s, k) => s + k.kernelTimeMs, 0).toFixed(0),
  );
  for (const [k, v] of rows) console.log('  ', v.toFixed(1).padStart(8), k);
};
const b8 = mk(8);
if (process.env.INFER)
  await report('infer B8', () => {
    tf.dispose(model.forward(b8, {}));
  });
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
const vars = model.lora.variables();
const masked = maskForMntp(mk(2), { maskTokenId: 2, vocabSize: V }, rng);
await report('train B2', () => {
  const { value, grads } = tf.variableGrads(() => mntpLoss(model, masked, { training: true }), vars);
  tf.dispose([value, ...Object.values(grads)]);
});
