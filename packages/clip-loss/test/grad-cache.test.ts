import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clipLoss,
  createLogitScale,
  createSiglipParameters,
  gradCacheStep,
  siglipLoss,
} from '../src/index.js';

/** A tiny two-layer encoder with its own variables. */
function makeEncoder(rng: Rng, inDim: number, hidden: number, outDim: number, name: string) {
  const w1 = tf.variable(
    tf.tensor2d(rng.normalArray(inDim * hidden, 0, 0.5), [inDim, hidden]),
    true,
    `${name}/w1`,
  );
  const w2 = tf.variable(
    tf.tensor2d(rng.normalArray(hidden * outDim, 0, 0.5), [hidden, outDim]),
    true,
    `${name}/w2`,
  );
  const encode = (x: tf.Tensor): tf.Tensor2D =>
    tf.tidy(() => tf.matMul(tf.tanh(tf.matMul(x as tf.Tensor2D, w1)), w2) as tf.Tensor2D);
  return { encode, variables: [w1, w2] };
}

function splitRows(x: tf.Tensor2D, sizes: number[]): tf.Tensor2D[] {
  return tf.split(x, sizes, 0) as tf.Tensor2D[];
}

async function expectSameGrads(a: tf.NamedTensorMap, b: tf.NamedTensorMap) {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const name of Object.keys(a)) {
    const [va, vb] = [await a[name].data(), await b[name].data()];
    let worst = 0;
    for (let i = 0; i < va.length; i++)
      worst = Math.max(worst, Math.abs(va[i] - vb[i]) / Math.max(1, Math.abs(vb[i])));
    expect(worst, name).toBeLessThan(2e-6);
  }
}

describe.each(['cpu', 'wasm'])('gradCacheStep on %s', (backend) => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('CLIP loss, both encoders, uneven chunks: loss and every variable gradient equal the plain step', async () => {
    await initBackend(backend as 'cpu');
    const rng = new Rng(3);
    const image = makeEncoder(rng, 6, 8, 5, `${backend}-img`);
    const text = makeEncoder(rng, 4, 7, 5, `${backend}-txt`);
    const logScale = createLogitScale(undefined, `${backend}-logit-scale`);
    const varList = [...image.variables, ...text.variables, logScale];
    const options = { imageGroups: [0, 1, 1, 2, 3, 4, 5, 6, 7], labelSmoothing: 0.1 };
    const loss = (x: tf.Tensor2D, y: tf.Tensor2D) => clipLoss(x, y, logScale, { ...options, chunkSize: 4 });
    await assertNoLeaks(async () => {
      const images = tf.tensor2d(rng.normalArray(9 * 6), [9, 6]);
      const texts = tf.tensor2d(rng.normalArray(9 * 4), [9, 4]);
      const plain = tf.variableGrads(() => loss(image.encode(images), text.encode(texts)), varList);
      const imageChunks = splitRows(images, [4, 3, 2]);
      const textChunks = splitRows(texts, [2, 7]);
      const cached = gradCacheStep({
        images: { encode: image.encode, chunks: imageChunks },
        texts: { encode: text.encode, chunks: textChunks },
        loss,
        varList,
      });
      expect(Math.abs((await cached.loss.data())[0] - (await plain.value.data())[0])).toBeLessThan(1e-6);
      await expectSameGrads(cached.grads, plain.grads);
      return [images, texts, plain, imageChunks, textChunks, cached];
    }, 'gradCacheStep');
    tf.dispose(varList);
  });

  it('SigLIP with frozen (precomputed) text embeddings', async () => {
    await initBackend(backend as 'cpu');
    const rng = new Rng(4);
    const image = makeEncoder(rng, 3, 6, 4, `${backend}-sig-img`);
    const { logScale, bias } = createSiglipParameters(1.0, -2.0);
    const loss = (x: tf.Tensor2D, y: tf.Tensor2D) => siglipLoss(x, y, logScale, bias);
    await assertNoLeaks(async () => {
      const images = tf.tensor2d(rng.normalArray(6 * 3), [6, 3]);
      const frozenTexts = tf.tensor2d(rng.normalArray(6 * 4), [6, 4]);
      const varList = [...image.variables, logScale, bias];
      const plain = tf.variableGrads(() => loss(image.encode(images), frozenTexts), varList);
      const chunks = splitRows(images, [1, 5]);
      const cached = gradCacheStep({
        images: { encode: image.encode, chunks },
        texts: frozenTexts,
        loss,
        varList,
      });
      expect(Math.abs((await cached.loss.data())[0] - (await plain.value.data())[0])).toBeLessThan(1e-6);
      await expectSameGrads(cached.grads, plain.grads);
      return [images, frozenTexts, plain, chunks, cached];
    }, 'gradCacheStep siglip');
    tf.dispose([...image.variables, logScale, bias]);
  });
});

describe('gradCacheStep memory', () => {
  it('peak tensor memory follows the chunk, not the batch', async () => {
    await initBackend('cpu');
    const rng = new Rng(5);
    const image = makeEncoder(rng, 6, 2048, 5, 'mem-img');
    const logScale = createLogitScale(undefined, 'mem-logit-scale');
    const varList = [...image.variables, logScale];
    const images = tf.tensor2d(rng.normalArray(64 * 6), [64, 6]);
    const texts = tf.tensor2d(rng.normalArray(64 * 5), [64, 5]);
    const chunks = tf.split(images, 8, 0) as tf.Tensor2D[];
    const loss = (x: tf.Tensor2D, y: tf.Tensor2D) => clipLoss(x, y, logScale);
    // tf.profile returns one shared object that the next call overwrites: read peakBytes at once.
    const plainPeak = (
      await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => loss(image.encode(images), texts), varList);
        tf.dispose([value, grads]);
      })
    ).peakBytes;
    const cachedPeak = (
      await tf.profile(() => {
        const result = gradCacheStep({ images: { encode: image.encode, chunks }, texts, loss, varList });
        tf.dispose([result.loss, result.grads]);
      })
    ).peakBytes;
    // The plain step holds the 64×2048 hidden activations (512 KiB each); the cached one 8×2048 at a time.
    expect(cachedPeak).toBeLessThan(plainPeak / 2);
    tf.dispose([images, texts, chunks, varList]);
  });
});
