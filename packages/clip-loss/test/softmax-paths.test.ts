import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedSoftmaxForward } from '../src/contrastive/infonce-core.js';
import { clipLoss } from '../src/index.js';
import { expectClose } from './helpers.js';

/** Float64 oracle: row and column log-sum-exps and softmax_rows/(2N) + softmax_cols/(2M), by definition. */
function float64Softmaxes(l: number[][]) {
  const [n, m] = [l.length, l[0].length];
  const lse = (values: number[]) => {
    const top = Math.max(...values);
    return top + Math.log(values.reduce((sum, v) => sum + Math.exp(v - top), 0));
  };
  const rowLse = l.map(lse);
  const colLse = Array.from({ length: m }, (_, j) => lse(l.map((row) => row[j])));
  const gradient = l.map((row, i) =>
    row.map((v, j) => Math.exp(v - rowLse[i]) / (2 * n) + Math.exp(v - colLse[j]) / (2 * m)),
  );
  return { rowLse, colLse, gradient };
}

/** Logits s·x̂ŷᵀ of unit rows, as float32 values (what the kernels see) and as nested arrays. */
function unitLogits(x: Float32Array, y: Float32Array, n: number, d: number, scale: number): number[][] {
  const unit = (v: Float32Array, i: number) => {
    const row = v.subarray(i * d, (i + 1) * d);
    const norm = Math.hypot(...row);
    return Array.from(row, (value) => value / norm);
  };
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      const [a, b] = [unit(x, i), unit(y, j)];
      return Math.fround(scale * a.reduce((sum, v, k) => sum + v * b[k], 0));
    }),
  );
}

describe.each(['cpu', 'wasm'])('the one-chunk softmax paths on %s', (backend) => {
  afterAll(async () => {
    await initBackend('cpu');
  });

  it('the shared path (one row softmax for both directions) equals the float64 definition', async () => {
    await initBackend(backend as 'cpu');
    const rng = new Rng(3);
    const [n, d] = [48, 16];
    const logits = unitLogits(rng.normalArray(n * d), rng.normalArray(n * d), n, d, 100);
    const want = float64Softmaxes(logits);
    await assertNoLeaks(() => {
      const l = tf.tensor2d(logits);
      const shared = sharedSoftmaxForward(l);
      expect(shared?.kept.kind).toBe('shared');
      const [p, rowFactors, colFactors] = shared!.kept.tensors as tf.Tensor2D[];
      const gradient = tf.tidy(() => tf.mul(p, tf.matMul(rowFactors, colFactors)));
      expectClose(shared!.rowLse.dataSync(), want.rowLse, 2e-6, 'row lse');
      expectClose(shared!.colLse.dataSync(), want.colLse, 2e-6, 'column lse');
      expectClose(gradient.dataSync(), want.gradient, 1e-7, 'softmax gradient');
      return [l, gradient, shared!.rowLse, shared!.colLse, shared!.kept.tensors];
    }, 'shared softmax');
  });

  it('declines (and frees everything) when a column lies tens of nats below the rows, and the loss stays exact', async () => {
    await initBackend(backend as 'cpu');
    const rng = new Rng(4);
    const [n, d] = [24, 12];
    const x = rng.normalArray(n * d);
    const y = Float32Array.from(x);
    // Text 0 is the opposite of image 0 and far from every image, while every other text matches its image:
    // column 0's log-sum-exp sits ~100 nats below the best row's, beyond what the shared path can keep exact.
    for (let k = 0; k < d; k++) y[k] = -x[k];
    const logits = unitLogits(x, y, n, d, 100);
    await assertNoLeaks(() => {
      const l = tf.tensor2d(logits);
      expect(sharedSoftmaxForward(l)).toBeUndefined();
      return [l];
    }, 'declined shared softmax');
    const want = float64Softmaxes(logits);
    const expected =
      0.5 * (mean(want.rowLse) + mean(want.colLse)) - logits.reduce((sum, row, i) => sum + row[i], 0) / n;
    await assertNoLeaks(() => {
      const [images, texts, logScale] = [
        tf.tensor2d(x, [n, d]),
        tf.tensor2d(y, [n, d]),
        tf.scalar(Math.log(100)),
      ];
      const loss = clipLoss(images, texts, logScale);
      expectClose(loss.dataSync(), expected, 1e-5, 'loss on the separate path');
      // Chunked, the shared path declines after its last chunk and the exact chunked path runs.
      const chunked = clipLoss(images, texts, logScale, { chunkSize: 5 });
      expectClose(chunked.dataSync(), expected, 1e-5, 'chunked loss on the exact path');
      return [images, texts, logScale, loss, chunked];
    }, 'separate path loss');
  });
});

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
