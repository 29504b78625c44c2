import { initBackend, Rng, tf } from 'renal-core';
await initBackend('wasm');
const n = 4096,
  d = 512;
const rng = new Rng(0);
const a = tf.tensor2d(rng.normalArray(n * d), [n, d]);
const b = tf.tensor2d(rng.normalArray(n * d), [n, d]);
async function time(name, f) {
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    const out = f();
    await (Array.isArray(out) ? out[0] : out).data();
    tf.dispose(out);
    if (r === 1) console.log(name, (performance.now() - t0).toFixed(1), 'ms');
  }
}
const bT = tf.transpose(b);
const l = tf.matMul(a, bT);
const rowv = tf.ones([n, 1]);
const colv = tf.ones([1, n]);
await time('matMul NN [n,d]x[d,n]', () => tf.matMul(a, bT));
await time('matMul NN [n,n]x[n,d]', () => tf.matMul(l, a));
await time('matMul [d,n]x[n,n]', () => tf.matMul(bT, l));
await time('exp', () => tf.exp(l));
await time('max axis1', () => tf.max(l, 1, true));
await time('max axis0', () => tf.max(l, 0, true));
await time('sum axis1', () => tf.sum(l, 1, true));
await time('colsum matmul', () => tf.matMul(colv, l));
await time('sub [n,1]', () => tf.sub(l, rowv));
await time('sub [1,n]', () => tf.sub(l, colv));
await time('mul [n,1]', () => tf.mul(l, rowv));
await time('mul [1,n]', () => tf.mul(l, colv));
await time('add', () => tf.add(l, l));
await time('transpose', () => tf.transpose(l));
