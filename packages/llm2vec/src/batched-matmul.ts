import { tf } from 'renal-core';

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** `[N, R, C] → [N, C, R]`, an explicit copy (wasm's transposed matMul paths are the slow ones). */
function transposeInner(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/**
 * The `N` matrices of `x` `[N, R, C]` as separate `[R, C]` tensors. The values are read once and written
 * back piecewise: wasm's Slice and Gather each copy the whole input per call, which made pulling 48
 * heads out of an attention tensor cost more than the products themselves.
 */
function splitMatrices(x: tf.Tensor3D): tf.Tensor2D[] {
  const [n, r, c] = x.shape;
  const values = x.dataSync() as Float32Array;
  return Array.from({ length: n }, (_, i) =>
    tf.tensor2d(values.subarray(i * r * c, (i + 1) * r * c), [r, c]),
  );
}

/**
 * `a @ b` for `[N, M, K] @ [N, K, P]` as N plain two-dimensional products. On wasm the batched kernel is a
 * slow generic loop (~2 GFLOP/s for attention's `[48, 256, 64] @ [48, 64, 256]`), while a 2-D matMul runs
 * through XNNPACK (~5× faster here, even counting the splitting and concatenation).
 */
function productPerMatrix(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [n, m] = a.shape;
    const p = b.shape[2];
    const as = splitMatrices(a);
    const bs = splitMatrices(b);
    return tf.reshape(
      tf.concat(
        as.map((ai, i) => tf.matMul(ai, bs[i])),
        0,
      ),
      [n, m, p],
    ) as tf.Tensor3D;
  });
}

function plainProduct(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.getBackend() === 'wasm' ? productPerMatrix(a, b) : tf.matMul(a, b);
}

const batched = tf.customGrad(((a: tf.Tensor3D, b: tf.Tensor3D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: plainProduct(a, b),
    gradFunc: (dy: tf.Tensor3D, [sa, sb]: tf.Tensor3D[]) =>
      tf.tidy(() => [plainProduct(dy, transposeInner(sb)), plainProduct(transposeInner(sa), dy)]),
  };
}) as unknown as CustomFn) as unknown as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/**
 * Batched `a @ b` for `[N, M, K] @ [N, K, P]` (attention's per-head products), forward and backward without
 * transpose flags and, on wasm, as per-matrix XNNPACK products instead of the slow batched kernel.
 */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return batched(a, b);
}
