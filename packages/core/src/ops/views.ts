/**
 * Tensor plumbing used by the depth-folded kernels. Every helper works on views of rank ≤ 4 because
 * the wasm backend slices 5-D tensors about 1000× slower than 4-D ones and fails silently above 6-D.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A `[before, after]` amount per axis; negative numbers crop instead of padding. */
export type PadOrCrop = [number, number][];

/** Pads (positive amounts) or crops (negative amounts) each axis, with zeros (or `value`). */
export function padOrCrop<T extends tf.Tensor>(x: T, amounts: PadOrCrop, value = 0): T {
  const begin = amounts.map(([b]) => Math.max(-b, 0));
  const size = x.shape.map((n, i) => n - begin[i] - Math.max(-amounts[i][1], 0));
  const cropped = begin.some((b, i) => b > 0 || size[i] < x.shape[i]) ? tf.slice(x, begin, size) : x;
  const pads = amounts.map(([b, a]) => [Math.max(b, 0), Math.max(a, 0)] as [number, number]);
  if (pads.every(([b, a]) => b === 0 && a === 0)) return cropped as T;
  const padded = tf.pad(cropped, pads, value) as T;
  if (cropped !== x) cropped.dispose();
  return padded;
}

/**
 * Pads the spatial axes of `[N, D, H, W, C]` through 3-D views, one axis at a time. WebGPU's Pad kernel
 * emits invalid WGSL for rank 5 (it indexes a `vec5`) and returns garbage, and rank ≤ 4 is the fast
 * path on wasm, so no 5-D pad is ever issued. Differentiable (the gradient is 3-D slices).
 */
export function padSpatial(x: tf.Tensor5D, pads: [number, number][], value = 0): tf.Tensor5D {
  const [n, d, h, w, c] = x.shape;
  const [[d0, d1], [h0, h1], [w0, w1]] = pads;
  return tf.tidy(() => {
    const dp = d + d0 + d1;
    const hp = h + h0 + h1;
    const byDepth = tf.pad(
      tf.reshape(x, [n, d, h * w * c]),
      [
        [0, 0],
        [d0, d1],
        [0, 0],
      ],
      value,
    );
    const byHeight = tf.pad(
      tf.reshape(byDepth, [n * dp, h, w * c]),
      [
        [0, 0],
        [h0, h1],
        [0, 0],
      ],
      value,
    );
    const byWidth = tf.pad(
      tf.reshape(byHeight, [n * dp * hp, w, c]),
      [
        [0, 0],
        [w0, w1],
        [0, 0],
      ],
      value,
    );
    return tf.reshape(byWidth, [n, dp, hp, w + w0 + w1, c]);
  });
}
