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
import { withLazyGradients } from './lazy-grad.js';
import { layAxis, liveTaps, rowsOf } from './taps.js';
import { padOrCrop } from './views.js';

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

/**
 * Below this many input channels the depth taps are stacked as channels of one conv2d: with one
 * channel (the stem) a per-tap conv2d multiplies over only kh·kw = 49 terms, and XNNPACK runs at half
 * speed; stacked, the product has kd·kh·kw = 343 (the stem's forward: 270 → 140 ms on wasm).
 */
const STACK_DEPTH_TAPS_BELOW_CHANNELS = 8;

/**
 * Depth tap t of x, `[N, D', 1, H·W·C]`: the input depth rows d·sd + t − before for every output row d
 * (padding rows are zeros), one contiguous slice of the padded input's `[N, Q, sd, H·W·C]` view. Call
 * inside the caller's tidy: the padded view lives there.
 */
function depthTapReader(x: tf.Tensor5D, pd: AxisPlan): (t: number) => tf.Tensor4D {
  const [n, , h, w, c] = x.shape;
  const hwc = h * w * c;
  const rows = layAxis(tf.reshape(x, [n, pd.size, hwc]), pd).reshape([n, rowsOf(pd), pd.stride, hwc]);
  return (t) =>
    tf.slice(rows, [0, Math.floor(t / pd.stride), t % pd.stride, 0], [n, pd.out, 1, hwc]) as tf.Tensor4D;
}

/**
 * Forward pass: Σ_t conv2d(depth tap t of x, filter[t]) with H/W strides and padding done by conv2d,
 * over the depth taps that read some real input (see {@link liveTaps}). With few input channels the
 * taps are stacked as channels of a single conv2d instead.
 */
export function foldedForward(x: tf.Tensor5D, w: tf.Tensor5D, plans: ConvPlans): tf.Tensor5D {
  const [n, , h, wd, c] = x.shape;
  const [kd, kh, kw, , co] = w.shape;
  const [pd, ph, pw] = plans;
  return tf.tidy(() => {
    const depthTap = depthTapReader(x, pd);
    const taps = tf.reshape(w, [kd, kh * kw * c * co]);
    const pad = pad2d(ph, pw);
    const live = liveTaps(pd);
    const filterTap = (t: number) => tf.slice(taps, [t, 0], [1, -1]);
    const out: [number, number, number, number, number] = [n, pd.out, ph.out, pw.out, co];
    if (live.length === 0) return tf.zeros(out);
    if (live.length > 1 && c < STACK_DEPTH_TAPS_BELOW_CHANNELS) {
      const k = live.length;
      // Channel (tap, c) of the stacked input meets filter[tap][·][·][c]: [k, M, c] → [M, k, c].
      const stacked = tf.tidy(() => {
        const planes = tf.reshape(tf.concat(live.map(depthTap), 0), [k, n * pd.out * h * wd, c]);
        return tf.reshape(tf.transpose(planes, [1, 0, 2]), [n * pd.out, h, wd, k * c]);
      }) as tf.Tensor4D;
      const filter = tf.tidy(() => {
        const perTap = tf.reshape(tf.concat(live.map(filterTap), 0), [k, kh * kw, c * co]);
        return tf.reshape(tf.transpose(perTap, [1, 0, 2]), [kh, kw, k * c, co]);
      }) as tf.Tensor4D;
      return tf.reshape(tf.conv2d(stacked, filter, [ph.stride, pw.stride], pad), out);
    }
    let sum: tf.Tensor4D | undefined;
    for (const t of live) {
      const yt = tf.tidy(() => {
        const xt = depthTap(t).reshape([n * pd.out, h, wd, c]) as tf.Tensor4D;
        const wt = filterTap(t).reshape([kh, kw, c, co]) as tf.Tensor4D;
        return tf.conv2d(xt, wt, [ph.stride, pw.stride], pad);
      });
      sum = accumulate(sum, yt);
    }
    return tf.reshape(sum!, out);
  });
}

/**
 * The taps `rows × cols` of a `[kh, kw, A, B]` filter, in that order, as `[rows.length, cols.length, A, B]`:
 * one product with a 0/1 selection matrix. Exact (each output is one filter value plus zeros), and on
 * wasm ~10× faster than `tf.gather` or `tf.reverse` of the same filter.
 */
export function selectTaps(w: tf.Tensor4D, rows: number[], cols: number[]): tf.Tensor4D {
  const [kh, kw, a, b] = w.shape;
  const picks = rows.flatMap((i) => cols.map((j) => i * kw + j));
  if (picks.length === kh * kw && picks.every((p, k) => p === k)) return tf.clone(w);
  return tf.tidy(() => {
    const selection = new Float32Array(picks.length * kh * kw);
    picks.forEach((p, r) => {
      selection[r * kh * kw + p] = 1;
    });
    const chosen = tf.matMul(
      tf.tensor2d(selection, [picks.length, kh * kw]),
      tf.reshape(w, [kh * kw, a * b]),
    );
    return tf.reshape(chosen, [rows.length, cols.length, a, b]) as tf.Tensor4D;
  });
}

/**
 * Input gradient of one 2-D convolution `[B, H, W, C]` ⊛ `[kh, kw, C, Co]` → `[B, Ho, Wo, Co]`, as stride-1
 * conv2d calls (wasm's conv2dTranspose is ~10× slower). `swapped` is the filter with in/out channels
 * swapped, `[kh, kw, Co, C]`. With stride s, input position u = s·q + φ of the padded input receives dy
 * only through the taps i ≡ φ (mod s): dx_φ[q] = Σ_m dy[q − m]·w[φ + s·m], a full correlation of dy with
 * that phase's flipped sub-filter. The s_h·s_w phases are computed on dy as it is (no zero-spreading, so
 * no wasted multiplications) and interleaved.
 */
export function planeInputGrad(
  dy: tf.Tensor4D,
  swapped: tf.Tensor4D,
  ph: AxisPlan,
  pw: AxisPlan,
): tf.Tensor4D {
  const [b, , , co] = dy.shape;
  const [kh, kw, , c] = swapped.shape;
  return tf.tidy(() => {
    const rowsH = Math.ceil((ph.before + ph.size) / ph.stride);
    const rowsW = Math.ceil((pw.before + pw.size) / pw.stride);
    // Outputs whose windows lie wholly in the trailing padding reach no input: drop them.
    const usedH = Math.min(ph.out, rowsH);
    const usedW = Math.min(pw.out, rowsW);
    const used = usedH === ph.out && usedW === pw.out ? dy : tf.slice(dy, 0, [b, usedH, usedW, co]);
    const phase = (fh: number, fw: number): tf.Tensor4D => {
      const mh = Math.ceil((kh - fh) / ph.stride);
      const mw = Math.ceil((kw - fw) / pw.stride);
      if (mh <= 0 || mw <= 0) return tf.zeros([b, rowsH, rowsW, c]);
      const taps = (f: number, m: number, s: number) =>
        Array.from({ length: m }, (_, k) => f + s * (m - 1 - k));
      const filter = selectTaps(swapped, taps(fh, mh, ph.stride), taps(fw, mw, pw.stride));
      const pad: [[0, 0], [number, number], [number, number], [0, 0]] = [
        [0, 0],
        [mh - 1, rowsH - usedH],
        [mw - 1, rowsW - usedW],
        [0, 0],
      ];
      return tf.conv2d(used, filter, 1, pad.flat().every((v) => v === 0) ? 'valid' : pad);
    };
    const byRowPhase: tf.Tensor4D[] = [];
    for (let fh = 0; fh < ph.stride; fh++) {
      const columns = Array.from({ length: pw.stride }, (_, fw) =>
        tf.reshape(phase(fh, fw), [b * rowsH, rowsW, 1, c]),
      );
      const interleaved = columns.length === 1 ? columns[0] : tf.concat(columns, 2);
      byRowPhase.push(tf.reshape(interleaved, [b, rowsH, 1, rowsW * pw.stride * c]));
    }
    const rows = byRowPhase.length === 1 ? byRowPhase[0] : tf.concat(byRowPhase, 2);
    const padded = tf.reshape(rows, [b, rowsH * ph.stride, rowsW * pw.stride, c]) as tf.Tensor4D;
    return padOrCrop(padded, [
      [0, 0],
      [-ph.before, ph.size - (rowsH * ph.stride - ph.before)],
      [-pw.before, pw.size - (rowsW * pw.stride - pw.before)],
      [0, 0],
    ]);
  });
}

/**
 * Input gradient: per live depth tap, the H/W part is {@link planeInputGrad}; the depth part scatters
 * each tap's result back to the input rows it came from (a dead tap's would land in the padding only).
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
    const dyPlanes = tf.reshape(dy, [n * pd.out, ph.out, pw.out, co]) as tf.Tensor4D;
    const taps = tf.reshape(w, [kd, kh * kw * c * co]);
    const rows = rowsOf(pd);
    const hwc = h * wd * c;
    let sum: tf.Tensor4D | undefined;
    for (const t of liveTaps(pd)) {
      const placed = tf.tidy(() => {
        // In/out channels swapped for the whole depth tap at once (one transpose, not one per phase).
        const wt = tf.slice(taps, [t, 0], [1, -1]).reshape([kh * kw, c, co]);
        const swapped = tf.reshape(tf.transpose(wt, [0, 2, 1]), [kh, kw, co, c]) as tf.Tensor4D;
        const gt = planeInputGrad(dyPlanes, swapped, ph, pw).reshape([n, pd.out, 1, hwc]);
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
    const padded = tf.reshape(sum ?? tf.zeros([n, rows * pd.stride, hwc]), [
      n,
      rows * pd.stride,
      hwc,
    ]) as tf.Tensor3D;
    const dx = padOrCrop(padded, [
      [0, 0],
      [-pd.before, d - (rows * pd.stride - pd.before)],
      [0, 0],
    ]);
    return tf.reshape(dx, [n, d, h, wd, c]);
  });
}

/**
 * Filter gradient, one dilated conv2d per live depth tap (a tap that meets only padding has a zero
 * gradient, see {@link liveTaps}). dW[t, i, j, c, o] = Σ x[n, d·sd + t, p·sh + i, q·sw + j, c] ·
 * dy[n, d, p, q, o] over (n, d, p, q) is a correlation over the output grid: a conv2d whose batch is the
 * input channel, whose channels are the (n, d) pairs and whose filter is dy, dilated by the H/W strides.
 * XNNPACK then does all kh·kw taps in one call; copying a window of the input per tap and multiplying it
 * with dy (im2col one tap at a time) was 1.2–3× slower on wasm, ~3× for the stem's 343 taps.
 */
export function foldedFilterGrad(
  x: tf.Tensor5D,
  dy: tf.Tensor5D,
  wShape: [number, number, number, number, number],
  plans: ConvPlans,
): tf.Tensor5D {
  const [n, , h, wd, c] = x.shape;
  const [kd, kh, kw, , co] = wShape;
  const [pd, ph, pw] = plans;
  return tf.tidy(() => {
    const depthTap = depthTapReader(x, pd);
    const planes = n * pd.out;
    // The input rows the taps reach: kh + sh·(Ho − 1), from ph.before rows of padding on.
    const spanH = kh + ph.stride * (ph.out - 1);
    const spanW = kw + pw.stride * (pw.out - 1);
    const filter = tf.reshape(tf.transpose(tf.reshape(dy, [planes, ph.out * pw.out, co]), [1, 0, 2]), [
      ph.out,
      pw.out,
      planes,
      co,
    ]) as tf.Tensor4D;
    const live = liveTaps(pd);
    const perTap = Array.from({ length: kd }, (_, t) => {
      if (!live.includes(t)) return tf.zeros([kh, kw, c, co]);
      return tf.tidy(() => {
        // Channels last → (n, d) pairs last before padding: a pad with runs of one element is slow on wasm.
        const byChannel = tf.reshape(tf.transpose(tf.reshape(depthTap(t), [planes, h * wd, c]), [2, 1, 0]), [
          c,
          h,
          wd,
          planes,
        ]);
        const padded = padOrCrop(byChannel, [
          [0, 0],
          [ph.before, spanH - h - ph.before],
          [pw.before, spanW - wd - pw.before],
          [0, 0],
        ]) as tf.Tensor4D;
        const g = tf.conv2d(padded, filter, 1, 'valid', 'NHWC', [ph.stride, pw.stride]);
        return tf.transpose(g, [1, 2, 0, 3]);
      });
    });
    return tf.reshape(tf.stack(perTap), [kd, kh, kw, c, co]);
  });
}

/**
 * conv3d with the depth-folded forward and its hand-written gradients for x and filter, each computed
 * only when the tape needs it (training the stem never pays for the input image's gradient).
 */
export function foldedConv3d(x: tf.Tensor5D, w: tf.Tensor5D, plans: ConvPlans): tf.Tensor5D {
  return withLazyGradients(
    [x, w],
    (save) => {
      save([x, w]);
      return foldedForward(x, w, plans);
    },
    (dy, saved) => {
      const [xs, ws] = saved as [tf.Tensor5D, tf.Tensor5D];
      return [
        () => foldedInputGrad(dy, ws, plans, xs.shape),
        () => foldedFilterGrad(xs, dy, ws.shape, plans),
      ];
    },
  );
}

/** Adds `next` into a running sum, freeing both operands (big activations: keep peak memory low). */
function accumulate(sum: tf.Tensor4D | undefined, next: tf.Tensor4D): tf.Tensor4D {
  if (sum === undefined) return next;
  const total = tf.add(sum, next) as tf.Tensor4D;
  sum.dispose();
  next.dispose();
  return total;
}
