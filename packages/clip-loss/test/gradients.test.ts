import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipLoss, siglipLoss } from '../src/index.js';

/**
 * Central finite differences of the loss itself (fp32 on cpu) against the hand-written gradients.
 * Step 1e-2 balances truncation (O(h²)) against fp32 rounding (ε·|loss|/h).
 */
const STEP = 1e-2;
const TOL = 2e-3;

type Loss = (x: tf.Tensor2D, y: tf.Tensor2D, params: tf.Scalar[]) => tf.Scalar;

function lossAt(
  loss: Loss,
  x: Float32Array,
  y: Float32Array,
  params: number[],
  n: number,
  m: number,
  d: number,
) {
  return tf.tidy(
    () =>
      loss(
        tf.tensor2d(x, [n, d]),
        tf.tensor2d(y, [m, d]),
        params.map((p) => tf.scalar(p)),
      ).dataSync()[0],
  );
}

async function checkAgainstFiniteDifferences(loss: Loss, n: number, m: number, d: number, params: number[]) {
  const rng = new Rng(7);
  const x = rng.normalArray(n * d);
  const y = rng.normalArray(m * d);
  let analytic: Float32Array[] = [];
  await assertNoLeaks(() => {
    const inputs = [tf.tensor2d(x, [n, d]), tf.tensor2d(y, [m, d]), ...params.map((p) => tf.scalar(p))];
    const grads = tf.grads((...args: tf.Tensor[]) =>
      loss(args[0] as tf.Tensor2D, args[1] as tf.Tensor2D, args.slice(2) as tf.Scalar[]),
    )(inputs);
    analytic = grads.map((g) => g.dataSync() as Float32Array);
    return [inputs, grads];
  }, 'gradient');
  const probe = (values: Float32Array, i: number) => {
    const saved = values[i];
    values[i] = saved + STEP;
    const up = lossAt(loss, x, y, params, n, m, d);
    values[i] = saved - STEP;
    const down = lossAt(loss, x, y, params, n, m, d);
    values[i] = saved;
    return (up - down) / (2 * STEP);
  };
  for (let k = 0; k < 6; k++) {
    const i = rng.int(n * d);
    expect(Math.abs(probe(x, i) - analytic[0][i]), `d/dimage[${i}]`).toBeLessThan(TOL);
    const j = rng.int(m * d);
    expect(Math.abs(probe(y, j) - analytic[1][j]), `d/dtext[${j}]`).toBeLessThan(TOL);
  }
  params.forEach((_, p) => {
    const up = lossAt(
      loss,
      x,
      y,
      params.map((v, q) => (q === p ? v + STEP : v)),
      n,
      m,
      d,
    );
    const down = lossAt(
      loss,
      x,
      y,
      params.map((v, q) => (q === p ? v - STEP : v)),
      n,
      m,
      d,
    );
    expect(Math.abs((up - down) / (2 * STEP) - analytic[2 + p][0]), `d/dparam${p}`).toBeLessThan(TOL);
  });
}

describe('gradients vs finite differences (cpu, fp32)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('clipLoss, diagonal, one chunk', async () => {
    await checkAgainstFiniteDifferences((x, y, [s]) => clipLoss(x, y, s), 7, 7, 5, [2.0]);
  });

  it('clipLoss, groups + label smoothing, chunks of 3', async () => {
    const options = { imageGroups: [0, 0, 1, 2, 2, 3, 4], textGroups: [0, 1, 2, 3, 4], labelSmoothing: 0.2 };
    await checkAgainstFiniteDifferences(
      (x, y, [s]) => clipLoss(x, y, s, { ...options, chunkSize: 3 }),
      7,
      5,
      5,
      [1.5],
    );
  });

  it('siglipLoss, chunks of 2', async () => {
    await checkAgainstFiniteDifferences(
      (x, y, [s, b]) => siglipLoss(x, y, s, b, { chunkSize: 2 }),
      6,
      6,
      4,
      [1.2, -1.5],
    );
  });
});
