import { tf } from 'renal-core';

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** `1/√(mean(x²) + ε)` over the last axis, kept as `[..., 1]`. */
function inverseRms(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
}

/** Sum over every axis but the last, as a product with a ones row (wasm's axis-0 reductions are slow). */
function sumRows(t: tf.Tensor): tf.Tensor1D {
  const width = t.shape[t.rank - 1];
  const rows = t.size / width;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(t, [rows, width])), [width]);
}

/**
 * RMSNorm as Llama computes it: `x / √(mean(x²) + ε) · w`, with a hand-written gradient that keeps `x` and
 * the per-row `1/rms` only: `dx = r·(g − x·r²·mean(g·x))` with `g = dy·w`, and `dw = Σ dy·x·r` only when
 * `w` is a trainable variable. tfjs's composed gradient saved five tensors the size of `x` per norm.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor1D, eps: number): tf.Tensor {
  const trainable = weight instanceof tf.Variable && weight.trainable;
  const forward = (xIn: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
    const r = inverseRms(xIn, eps);
    save([xIn, r, w]);
    return {
      value: tf.mul(tf.mul(xIn, r), w),
      gradFunc: (dy: tf.Tensor, [sx, sr, sw]: tf.Tensor[]) =>
        tf.tidy(() => {
          const g = tf.mul(dy, sw);
          const along = tf.mean(tf.mul(g, sx), -1, true);
          const dx = tf.mul(sr, tf.sub(g, tf.mul(sx, tf.mul(tf.square(sr), along))));
          return trainable ? [dx, sumRows(tf.mul(dy, tf.mul(sx, sr)))] : [dx];
        }),
    };
  };
  if (trainable) return tf.customGrad(forward as unknown as CustomFn)(x, weight);
  const f = tf.customGrad(((xIn: tf.Tensor, save: tf.GradSaveFunc) =>
    forward(xIn, weight, save)) as unknown as CustomFn);
  return f(x);
}
