import * as tf from '@tensorflow/tfjs-core';
import { padSpatial } from './views.js';
import { Op3dArgumentError, type Padding3D, planAxes, type Triple, toTriple } from './geometry.js';

/** Options of {@link maxPool3d} and {@link avgPool3d}. */
export interface Pool3dOptions {
  /** Window size per axis (depth, height, width); a number applies to all three. */
  size: number | Triple;
  /** Stride per axis; a number applies to all three. Default: the window size (as PyTorch). */
  strides?: number | Triple;
  /**
   * `'same'` / `'valid'` as TensorFlow (an average over `'same'` padding counts only real voxels), or
   * explicit `[[before, after], …]` per axis as PyTorch: max pooling pads with −∞, average pooling pads
   * with zeros that count in the mean (PyTorch's default `count_include_pad=True`). Default `'valid'`.
   */
  padding?: Padding3D;
}

function plan(x: tf.Tensor, options: Pool3dOptions, op: string) {
  if (x.rank !== 5) throw new Op3dArgumentError(`${op}: x must be [N, D, H, W, C], got shape [${x.shape}]`);
  const size = toTriple(options.size, 'size', op);
  const strides = toTriple(options.strides ?? size, 'strides', op);
  const padding = options.padding ?? 'valid';
  const plans = planAxes(x.shape.slice(1, 4) as Triple, size, strides, padding, op);
  const pads: [number, number][] = [
    [0, 0],
    ...plans.map((p): [number, number] => [p.before, p.after]),
    [0, 0],
  ];
  return { size, strides, padding, pads };
}

/**
 * 3-D max pooling, channels last (`[N, D, H, W, C]`), with gradients on every backend. Explicit padding
 * pads with −∞, so `maxPool3d(x, {size: 3, strides: 2, padding: [[1, 1], [1, 1], [1, 1]]})` is PyTorch's
 * `MaxPool3d(3, 2, 1)` as used after the ResNet stem.
 */
export function maxPool3d(x: tf.Tensor5D, options: Pool3dOptions): tf.Tensor5D {
  const { size, strides, padding, pads } = plan(x, options, 'maxPool3d');
  return tf.tidy(() => {
    if (typeof padding === 'string') return tf.maxPool3d(x, size, strides, padding);
    return tf.maxPool3d(padSpatial(x, pads, Number.NEGATIVE_INFINITY), size, strides, 'valid');
  });
}

/** 3-D average pooling, channels last, with gradients on every backend (see {@link Pool3dOptions.padding}). */
export function avgPool3d(x: tf.Tensor5D, options: Pool3dOptions): tf.Tensor5D {
  const { size, strides, padding, pads } = plan(x, options, 'avgPool3d');
  return tf.tidy(() => {
    if (typeof padding === 'string') return tf.avgPool3d(x, size, strides, padding);
    return tf.avgPool3d(padSpatial(x, pads), size, strides, 'valid');
  });
}

/** Mean over depth, height and width: `[N, D, H, W, C]` → `[N, C]` (the ResNet head's pooling). */
export function globalAvgPool3d(x: tf.Tensor5D): tf.Tensor2D {
  if (x.rank !== 5) {
    throw new Op3dArgumentError(`globalAvgPool3d: x must be [N, D, H, W, C], got shape [${x.shape}]`);
  }
  const [n, d, h, w, c] = x.shape;
  // A 3-D view keeps the reduction on one contiguous axis on every backend.
  return tf.tidy(() => tf.mean(tf.reshape(x, [n, d * h * w, c]), 1) as tf.Tensor2D);
}
