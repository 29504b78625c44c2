/**
 * conv3d as a sum of 2-D convolutions over the kernel's depth taps, with depth folded into the batch,
 * and hand-written gradients. This is the wasm route: XNNPACK's conv2d is fast and correct, while
 * TensorFlow.js's wasm Conv3D is slow and its Conv3DBackprop kernels give wrong gradients.
 *
 * Notation: x `[N, D, H, W, C]`, filter `[kd, kh, kw, C, Co]`, dy `[N, Do, Ho, Wo, Co]`. Along an axis
 * with stride s the padded input is laid out as Q rows of s, Q = out + ⌊(k − 1)/s⌋, so that kernel tap t
 * and output o read element (row o + ⌊t/s⌋, phase t mod s): strided taps become contiguous slices.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AxisPlan } from './geometry.js';
import { layAxis, rowsOf, tapReader } from './taps.js';
import { padOrCrop, spreadHW } from './views.js';

/** The three spatial plans (depth, height, width) of one convolution. */
export type ConvPlans = [AxisPlan, AxisPlan, AxisPlan];

type Pad2d = 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];

function pad2d(ph: AxisPlan, pw: AxisPlan): Pad2d {
  if (ph.before + ph.after + pw.before + pw.after === 0) return 'valid';
  return [
    [0, 0],
    [ph.before, ph.after],
    [pw.before, pw.after],
    [0, 0],
  ];
}

/** Forward pass: Σ_t conv2d(depth tap t of x, filter[t]) with H/W strides and padding done by conv2d. */
export function foldedForward(x: tf.Tensor5D, w: tf.Tensor5D, plans: ConvPlans): tf.Tensor5D {
  const [n, , h, wd, c] = x.shape;
  const [kd, kh, kw, , co] = w.shape;
  const [pd, ph, pw] = plans;
  return tf.tidy(() => {
    const hwc = h * wd * c;
    const rows = layAxis(tf.reshape(x, [n, pd.size, hwc]), pd).reshape([n, rowsOf(pd), pd.stride, hwc]);
    const taps = tf.reshape(w, [kd, kh * kw * c * co]);
    const pad = pad2d(ph, pw);
    let sum: tf.Tensor4D | undefined;
    for (let t = 0; t < kd; t++) {
      const yt = tf.tidy(() => {
        const xt = tf
          .slice(rows, [0, Math.floor(t / pd.stride), t % pd.stride, 0], [n, pd.out, 1, hwc])
          .reshape([n * pd.out, h, wd, c]) as tf.Tensor4D;
        const wt = tf.slice(taps, [t, 0], [1, -1]).reshape([kh, kw, c, co]) as tf.Tensor4D;
        return tf.conv2d(xt, wt, [ph.stride, pw.stride], pad);
      });
      sum = accumulate(sum, yt);
    }
    return tf.reshape(sum!, [n, pd.out, ph.out, pw.out, co]);
  });
}

/**
 * Input gradient. Per depth tap, the H/W part is a stride-1 conv2d of the zero-spread dy with the
 * spatially flipped, in/out-swapped filter (conv2dTranspose is ~10× slower on wasm); the depth part
 * scatters each tap's result back to the input rows it came from.
 */
export function foldedInputGrad(
  dy: tf.Tensor5D,
  w: tf.Tensor5D,
  plans: ConvPlans,
  xShape: [number, number, number, number, number],
): tf.Tensor5D {
  const [n, d, h, wd, c] = xShape;
  const [kd, kh, kw, , co] = w.shape;
  const [pd, ph, pw] = plans;
  return tf.tidy(() => {
    const spread = spreadHW(tf.reshape(dy, [n * pd.out, ph.out, pw.out, co]), ph.stride, pw.stride);
    // Pad so that a 'valid' correlation of the spread dy (length out·s) with a k-tap filter has length `size`.
    const fullPad = (p: AxisPlan): [number, number] => {
      const before = p.kernel - 1 - p.before;
      return [before, p.size + p.kernel - 1 - before - p.out * p.stride];
    };
    const dyp = padOrCrop(spread, [[0, 0], fullPad(ph), fullPad(pw), [0, 0]]);
    if (dyp !== spread) spread.dispose();
    const taps = tf.reshape(w, [kd, kh * kw * c * co]);
    const rows = rowsOf(pd);
    const hwc = h * wd * c;
    let sum: tf.Tensor4D | undefined;
    for (let t = 0; t < kd; t++) {
      const placed = tf.tidy(() => {
        const wt = tf.slice(taps, [t, 0], [1, -1]).reshape([kh, kw, c, co]);
        const flipped = tf.transpose(tf.reverse(wt, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const gt = tf.conv2d(dyp, flipped, 1, 'valid').reshape([n, pd.out, 1, hwc]);
        const row = Math.floor(t / pd.stride);
        const phase = t % pd.stride;
        return tf.pad(gt, [
          [0, 0],
          [row, rows - pd.out - row],
          [phase, pd.stride - 1 - phase],
          [0, 0],
        ]) as tf.Tensor4D;
      });
      sum = accumulate(sum, placed);
    }
    const padded = tf.reshape(sum!, [n, rows * pd.stride, hwc]) as tf.Tensor3D;
    const dx = padOrCrop(padded, [
      [0, 0],
      [-pd.before, d - (rows * pd.stride - pd.before)],
      [0, 0],
    ]);
    return tf.reshape(dx, [n, d, h, wd, c]);
  });
}

/**
 * Filter gradient: one `[Co, P]·[P, C]` matrix product per kernel tap (P = N·Do·Ho·Wo), reading each
 * tap's input window as a contiguous slice of one stride phase of the padded input. Scratch space is one
 * copy of the input (the phases) plus one tap window at a time — never the 27× of im2col.
 */
export function foldedFilterGrad(
  x: tf.Tensor5D,
  dy: tf.Tensor5D,
  wShape: [number, number, number, number, number],
  plans: ConvPlans,
): tf.Tensor5D {
  const [n, , , , c] = x.shape;
  const [kd, kh, kw, , co] = wShape;
  const [pd, ph, pw] = plans;
  return tf.tidy(() => {
    const taps = tapReader(x, plans);
    const positions = n * pd.out * ph.out * pw.out;
    // dyᵀ·window, not windowᵀ·dy: wasm's matMul with transposeA is ~7× slower than a plain product.
    const dyT = tf.transpose(tf.reshape(dy, [positions, co]));
    const grads: tf.Tensor2D[] = [];
    for (let t = 0; t < kd; t++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          grads.push(
            tf.tidy(() => {
              const window = taps.window(t, i, j);
              return tf.matMul(dyT, tf.reshape(window, [positions, c]));
            }),
          );
        }
      }
    }
    const perTap = tf.transpose(tf.stack(grads), [0, 2, 1]);
    return tf.reshape(perTap, [kd, kh, kw, c, co]);
  });
}

/** conv3d with the depth-folded forward and its hand-written gradients for x and filter. */
export function foldedConv3d(x: tf.Tensor5D, w: tf.Tensor5D, plans: ConvPlans): tf.Tensor5D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor5D, tf.Tensor5D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: foldedForward(xi, wi, plans),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor5D, tf.Tensor5D];
        const g = dy as tf.Tensor5D;
        return [foldedInputGrad(g, ws, plans, xs.shape), foldedFilterGrad(xs, g, ws.shape, plans)];
      },
    };
  });
  return op(x, w) as tf.Tensor5D;
}

/** Adds `next` into a running sum, freeing both operands (big activations: keep peak memory low). */
function accumulate(sum: tf.Tensor4D | undefined, next: tf.Tensor4D): tf.Tensor4D {
  if (sum === undefined) return next;
  const total = tf.add(sum, next) as tf.Tensor4D;
  sum.dispose();
  next.dispose();
  return total;
}
