import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  batchNorm3d,
  conv3d,
  createBatchNorm3dState,
  globalAvgPool3d,
  initBackend,
  maxPool3d,
  Rng,
  tf,
} from '../src/index.js';
import { BACKENDS, ErrorTable, randomValues, useBackend } from './helpers/harness.js';
import { relativeError } from './helpers/reference.js';

const errors = new ErrorTable('a ResNet-like training step: gradients vs the cpu backend');
afterAll(async () => {
  errors.print();
  await initBackend('cpu');
});

const rng = new Rng(11);
const X = randomValues(rng, 2 * 6 * 8 * 8 * 1);
const W1 = randomValues(rng, 3 * 3 * 3 * 1 * 4).map((v) => v * 0.5);
const W2 = randomValues(rng, 3 * 3 * 3 * 4 * 6).map((v) => v * 0.3);

/** Stem-like conv → BN (training) → ReLU → max-pool → strided conv → global pool: all ops, one net. */
function buildNet() {
  const w1 = tf.variable(tf.tensor5d(Float32Array.from(W1), [3, 3, 3, 1, 4]), true, undefined, 'float32');
  const w2 = tf.variable(tf.tensor5d(Float32Array.from(W2), [3, 3, 3, 4, 6]), true, undefined, 'float32');
  const bn = createBatchNorm3dState(4);
  const loss = (x: tf.Tensor5D) =>
    tf.tidy(() => {
      const a = conv3d(x, w1 as tf.Tensor5D, {
        strides: 2,
        padding: [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      });
      const b = tf.relu(batchNorm3d(a, bn, { training: true })) as tf.Tensor5D;
      const c = maxPool3d(b, {
        size: 3,
        strides: 2,
        padding: [
          [1, 1],
          [1, 1],
          [1, 1],
        ],
      });
      const d = conv3d(c, w2 as tf.Tensor5D, { strides: 1, padding: 'same' });
      return tf.sum(tf.square(globalAvgPool3d(d))) as tf.Scalar;
    });
  return { w1, w2, bn, loss, dispose: () => tf.dispose([w1, w2, ...Object.values(bn)]) };
}

async function gradients(): Promise<Record<string, Float32Array>> {
  const net = buildNet();
  const x = tf.tensor5d(Float32Array.from(X), [2, 6, 8, 8, 1]);
  const out: Record<string, Float32Array> = {};
  await assertNoLeaks(async () => {
    const { value, grads } = tf.variableGrads(
      () => net.loss(x),
      [net.w1, net.w2, net.bn.gamma as tf.Variable],
    );
    out.loss = (await value.data()) as Float32Array;
    out.w1 = (await grads[net.w1.name].data()) as Float32Array;
    out.w2 = (await grads[net.w2.name].data()) as Float32Array;
    out.gamma = (await grads[(net.bn.gamma as tf.Variable).name].data()) as Float32Array;
    out.runningMean = (await net.bn.movingMean.data()) as Float32Array;
    return [value, grads];
  }, `${tf.getBackend()} training gradients`);
  // A whole optimizer step leaks nothing either.
  const sgd = tf.train.sgd(0.1);
  await assertNoLeaks(
    () => sgd.minimize(() => net.loss(x), false) ?? undefined,
    `${tf.getBackend()} SGD step`,
  );
  sgd.dispose();
  x.dispose();
  net.dispose();
  return out;
}

describe('a training step through every op', () => {
  it('gives the cpu backend’s gradients on wasm and webgpu, and leaks nothing', async () => {
    await initBackend('cpu');
    const reference = await gradients();
    for (const backend of BACKENDS) {
      if ((await useBackend(backend)) !== undefined) continue;
      const got = await gradients();
      const e = Object.fromEntries(
        Object.keys(reference).map((k) => [k, relativeError(got[k], reference[k])]),
      ) as Record<string, number>;
      errors.record('training step', backend, e);
      for (const [what, error] of Object.entries(e)) expect(error, `${backend} ${what}`).toBeLessThan(1e-5);
    }
  });
});
