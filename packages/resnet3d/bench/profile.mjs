// Where a training step's time goes, by kernel: node bench/profile.mjs [backend] [batch]
const { initBackend, tf } = await import('renal-core');
const { AttributeHeads, multiTaskAttributeLoss, RESNET3D_PRESETS, ResNet3d } = await import(
  '../dist/index.js'
);

const backend = process.argv[2] ?? 'wasm';
const batch = Number(process.argv[3] ?? 2);
await initBackend(backend);
const net = new ResNet3d(RESNET3D_PRESETS.paper.backbone);
const attr = new AttributeHeads({ inFeatures: 512 });
const x = tf.randomUniform([batch, 32, 128, 128, 1]);
const labels = Array.from({ length: batch }, () => new Array(14).fill(0));
const variables = [...net.trainableVariables, ...attr.trainableVariables];
const step = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => multiTaskAttributeLoss(attr.apply(net.apply(x, { training: true })), labels),
      variables,
    );
    value.dataSync();
    return Object.values(grads);
  });
tf.dispose(step()); // warm-up
const t = performance.now();
const info = await tf.profile(() => tf.dispose(step()));
const wall = (performance.now() - t) / 1000;
const byKernel = new Map();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.n += 1;
  byKernel.set(k.name, e);
}
console.log(`${backend}, batch ${batch}: ${wall.toFixed(1)} s per step (profiled)`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20)) {
  console.log(
    `${name.padEnd(28)} ${(e.ms / 1000).toFixed(2).padStart(7)} s  ${String(e.n).padStart(5)} calls`,
  );
}
