import { initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchedMatMul } from '../src/batched-matmul.js';
import { loraUpdate } from '../src/lora-update.js';
import { rmsNorm } from '../src/rms-norm.js';

const rng = new Rng(11);
const random = (shape: number[]) =>
  tf.tensor(
    rng.normalArray(
      shape.reduce((a, b) => a * b, 1),
      0,
      1,
    ),
    shape,
  );

/** Values and gradients (against a random cotangent) of `ours` and of tfjs's own autodiff of `composed`. */
function compare(
  ours: (...xs: tf.Tensor[]) => tf.Tensor,
  composed: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): void {
  const outShape = composed(...inputs).shape;
  const weights = random(outShape);
  const loss =
    (f: (...xs: tf.Tensor[]) => tf.Tensor) =>
    (...xs: tf.Tensor[]) =>
      tf.sum(tf.mul(f(...xs), weights));
  const a = tf.grads(loss(ours))(inputs);
  const b = tf.grads(loss(composed))(inputs);
  expect(Array.from(ours(...inputs).dataSync())).toEqual(
    Array.from(composed(...inputs).dataSync()).map((v) => expect.closeTo(v, 4)),
  );
  a.forEach((g, i) => {
    const want = Array.from(b[i].dataSync());
    expect(Array.from(g.dataSync())).toEqual(want.map((v) => expect.closeTo(v, 4)));
  });
}

describe.each(['cpu', 'wasm'] as const)('hand-written products match tfjs autodiff on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('batchedMatMul', () => {
    tf.tidy(() =>
      compare(
        (a, b) => batchedMatMul(a as tf.Tensor3D, b as tf.Tensor3D),
        (a, b) => tf.matMul(a, b),
        [random([3, 5, 4]), random([3, 4, 6])],
      ),
    );
  });

  it('loraUpdate', () => {
    tf.tidy(() =>
      compare(
        (x, a, b) => loraUpdate(x as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D, 2.5),
        (x, a, b) => tf.mul(tf.matMul(tf.matMul(x, tf.transpose(a)), tf.transpose(b)), 2.5),
        [random([7, 5]), random([3, 5]), random([6, 3])],
      ),
    );
  });
});

describe.each(['cpu', 'wasm'] as const)('rmsNorm gradient matches tfjs autodiff on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  const composed = (x: tf.Tensor, w: tf.Tensor) =>
    tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-5))), w);

  it('with a fixed weight', () => {
    tf.tidy(() => {
      const w = random([6]) as tf.Tensor1D;
      compare(
        (x) => rmsNorm(x, w, 1e-5),
        (x) => composed(x, w),
        [random([4, 6])],
      );
    });
  });

  it('with a trainable weight', () => {
    const w = tf.variable(random([6]) as tf.Tensor1D, true);
    tf.tidy(() =>
      compare(
        (x) => rmsNorm(x, w, 1e-5),
        (x) => composed(x, w),
        [random([2, 3, 6])],
      ),
    );
    const x = random([2, 3, 6]);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(rmsNorm(x, w, 1e-5), x)), [w]);
    const want = tf.variableGrads(() => tf.sum(tf.mul(composed(x, w), x)), [w]);
    const expected = Array.from(want.grads[w.name].dataSync());
    expect(Array.from(ours.grads[w.name].dataSync())).toEqual(expected.map((v) => expect.closeTo(v, 4)));
    tf.dispose([x, w, ours.value, want.value, ...Object.values(ours.grads), ...Object.values(want.grads)]);
  });
});
