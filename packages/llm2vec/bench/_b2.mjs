import { register } from 'node:module';
register('/work/main/packages/llm2vec/bench/esm-extension-hook.mjs', import.meta.url);
const { initBackend, Rng, tf } = await import('renal-core');
const { LlamaModel, randomHostWeights, weightsFromHost } = await import(
  '/work/main/packages/llm2vec/dist/index.js'
);
await initBackend('wasm');
const B = +process.argv[2],
  T = +process.argv[3],
  V = 1000;
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
const batch = {
  batchSize: B,
  seqLen: T,
  inputIds: Int32Array.from({ length: B * T }, () => rng.int(V)),
  attentionMask: new Uint8Array(B * T).fill(1),
};
for (let i = 0; i < 2; i++) {
  const t = performance.now();
  const h = model.forward(batch);
  await h.data();
  h.dispose();
  console.log('fwd', ((performance.now() - t) / 1000).toFixed(2), 's', tf.memory().numBytes);
}
const prof = await tf.profile(async () => {
  const h = model.forward(batch);
  await h.data();
  h.dispose();
});
const byName = new Map();
for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + k.kernelTimeMs);
console.log([...byName].sort((a, b) => b[1] - a[1]).slice(0, 8));
const a = tf.randomNormal([512, 384]),
  w = tf.randomNormal([1536, 384]);
for (const tb of [true, false]) {
  const ww = tb ? w : tf.transpose(w);
  tf.matMul(a, ww, false, tb).dataSync();
  const t = performance.now();
  for (let i = 0; i < 5; i++) tf.matMul(a, ww, false, tb).dataSync();
  console.log('matmul transposeB', tb, ((performance.now() - t) / 5).toFixed(1), 'ms');
}
