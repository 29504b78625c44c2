import * as tf from '@tensorflow/tfjs-core';
import { layAxis, rowsOf } from './taps.js';
import { padSpatial } from './views.js';
import {
  type AxisPlan,
  Op3dArgumentError,
  type Padding3D,
  planAxes,
  type Triple,
  toTriple,
} from './geometry.js';

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
  return planAxes(x.shape.slice(1, 4) as Triple, size, strides, padding, op);
}

/**
 * Average-pools a padded `[N, D, H, W, C]` with 2-D kernels: along depth (a `[kd, 1]` window over the
 * `[N, D, H·W, C]` view), then over height and width (`[N·D', H, W, C]`). A mean over a box is separable
 * and every window is full after explicit padding, so this is exact.
 *
 * Why not tf.avgPool3d: TensorFlow.js 4.22's AvgPool3DGrad is wrong with 'same' padding on every backend,
 * while 2-D average pooling and its gradient are right everywhere (test/pool3d.test.ts).
 */
function separableAvgPool(padded: tf.Tensor5D, plans: AxisPlan[]): tf.Tensor5D {
  const [n, dp, hp, wp, c] = padded.shape;
  const [pd, ph, pw] = plans;
  const byDepth = tf.avgPool(
    tf.reshape(padded, [n, dp, hp * wp, c]) as tf.Tensor4D,
    [pd.kernel, 1],
    [pd.stride, 1],
    'valid',
  );
  const planes = tf.reshape(byDepth, [n * pd.out, hp, wp, c]) as tf.Tensor4D;
  const pooled = tf.avgPool(planes, [ph.kernel, pw.kernel], [ph.stride, pw.stride], 'valid');
  return tf.reshape(pooled, [n, pd.out, ph.out, pw.out, c]);
}

/**
 * One axis of a max pool: axis 1 of `[A, L, B]`, padded with −∞ and laid out as rows of `stride`, so each
 * kernel tap is a contiguous slice; a running `tf.maximum` in tap order (its gradient sends ties to its
 * first argument, so each window's gradient goes to its first maximum).
 */
function maxAlongAxis(x: tf.Tensor3D, p: AxisPlan): tf.Tensor3D {
  const [a, , b] = x.shape;
  const rows = tf.reshape(layAxis(x, p, Number.NEGATIVE_INFINITY), [a, rowsOf(p), p.stride, b]);
  let y: tf.Tensor | undefined;
  for (let t = 0; t < p.kernel; t++) {
    const tap = tf.slice(rows, [0, Math.floor(t / p.stride), t % p.stride, 0], [a, p.out, 1, b]);
    y = y === undefined ? tap : tf.maximum(y, tap);
  }
  return tf.reshape(y!, [a, p.out, b]);
}

/**
 * Max pooling as three 1-D max pools — width, then height, then depth (a max over a box is separable).
 * Each window's gradient goes to its first maximum in (depth, height, width) scan order, as PyTorch:
 * the depth pass picks the first plane holding the maximum, the height pass the first row in it, the
 * width pass the first element in that row. 3 + 3 + 3 maxima on shrinking tensors instead of 27.
 *
 * Why not tf.maxPool3d: TensorFlow.js 4.22's wasm MaxPool3D starts each window's running maximum at
 * FLT_MIN (the smallest positive float), so a window of negative values returns 1.2e-38; its
 * MaxPool3DGrad is also slower than this. cpu's and webgpu's MaxPool3DGrad are wrong for non-cubic
 * windows, and 2-D pooling is no way out: wasm's MaxPoolGrad is wrong for non-square windows and −∞
 * padding.
 */
function separableMaxPool(x: tf.Tensor5D, plans: AxisPlan[]): tf.Tensor5D {
  const [n, d, h, w, c] = x.shape;
  const [pd, ph, pw] = plans;
  const byWidth = maxAlongAxis(tf.reshape(x, [n * d * h, w, c]), pw);
  const byHeight = maxAlongAxis(tf.reshape(byWidth, [n * d, h, pw.out * c]), ph);
  const byDepth = maxAlongAxis(tf.reshape(byHeight, [n, d, ph.out * pw.out * c]), pd);
  return tf.reshape(byDepth, [n, pd.out, ph.out, pw.out, c]);
}

const padsOf = (plans: AxisPlan[]) => plans.map((p): [number, number] => [p.before, p.after]);

/**
 * 3-D max pooling, channels last (`[N, D, H, W, C]`), with correct gradients on every backend. Padding
 * (explicit or 'same') is −∞, so `maxPool3d(x, {size: 3, strides: 2, padding: [[1, 1], [1, 1], [1, 1]]})`
 * is PyTorch's `MaxPool3d(3, 2, 1)` as used after the ResNet stem.
 *
 * @throws {@link Op3dArgumentError} on a wrong rank or a bad size, stride or padding.
 */
export function maxPool3d(x: tf.Tensor5D, options: Pool3dOptions): tf.Tensor5D {
  const plans = plan(x, options, 'maxPool3d');
  return tf.tidy(() => separableMaxPool(x, plans));
}

/**
 * 3-D average pooling, channels last, with correct gradients on every backend (see
 * {@link Pool3dOptions.padding} for how padded voxels count).
 *
 * @throws {@link Op3dArgumentError} on a wrong rank or a bad size, stride or padding.
 */
export function avgPool3d(x: tf.Tensor5D, options: Pool3dOptions): tf.Tensor5D {
  const plans = plan(x, options, 'avgPool3d');
  return tf.tidy(() => {
    const pooled = separableAvgPool(padSpatial(x, padsOf(plans)), plans);
    if (options.padding !== 'same') return pooled;
    // 'same' averages only real voxels: rescale each output by window size / voxels inside the input.
    return tf.mul(pooled, insideFraction(plans)) as tf.Tensor5D;
  });
}

/** `[1, D', H', W', 1]` constant: window volume / number of its voxels that lie inside the input. */
function insideFraction(plans: AxisPlan[]): tf.Tensor5D {
  const perAxis = plans.map((p) =>
    Array.from({ length: p.out }, (_, o) => {
      const start = o * p.stride - p.before;
      const inside = Math.min(start + p.kernel, p.size) - Math.max(start, 0);
      return p.kernel / inside;
    }),
  );
  const [fd, fh, fw] = perAxis;
  const values = new Float32Array(fd.length * fh.length * fw.length);
  let i = 0;
  for (const a of fd) for (const b of fh) for (const e of fw) values[i++] = a * b * e;
  return tf.tensor5d(values, [1, fd.length, fh.length, fw.length, 1]);
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
