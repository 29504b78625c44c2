import { initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchedMatMul } from '../src/batched-matmul.js';
import { loraUpdate } from '../src/lora-update.js';

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
