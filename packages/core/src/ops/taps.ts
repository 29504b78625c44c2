/**
 * Reading a window op's kernel taps as contiguous slices. Along an axis with stride s the padded input is
 * laid out as Q rows of s elements, Q = out + ⌊(k − 1)/s⌋, so that tap t of output o is element
 * (row o + ⌊t/s⌋, phase t mod s): a strided tap is a contiguous slice of the `[…, Q, s, …]` view. All ops
 * used are reshapes, pads and slices of rank ≤ 4, so the result is differentiable and fast on every backend.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AxisPlan } from './geometry.js';
import { padOrCrop } from './views.js';

/** Rows of `stride` elements a padded axis is laid out in. */
export const rowsOf = (p: AxisPlan): number => p.out + Math.floor((p.kernel - 1) / p.stride);

/**
 * Taps of an axis that read at least one real (non-padding) element for some output. The others meet
 * only padding — e.g. 2 of 3 depth taps when a 3×3×3 'same' convolution sees a depth of 1 (ResNet's
 * last stage) — and, for zero padding, contribute nothing.
 */
export function liveTaps(p: AxisPlan): number[] {
  const live: number[] = [];
  for (let t = 0; t < p.kernel; t++) {
    for (let o = 0; o < p.out; o++) {
      const at = o * p.stride + t - p.before;
      if (at >= 0 && at < p.size) {
        live.push(t);
        break;
      }
    }
  }
  return live;
}

/** Pads (with `value`) or crops axis 1 of a 3-D view so that it holds exactly rows·stride elements. */
export function layAxis(x: tf.Tensor3D, p: AxisPlan, value = 0): tf.Tensor3D {
  const total = rowsOf(p) * p.stride;
  return padOrCrop(
    x,
    [
      [0, 0],
      [p.before, total - p.size - p.before],
      [0, 0],
    ],
    value,
  );
}
