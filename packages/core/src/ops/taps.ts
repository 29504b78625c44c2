/**
 * Reading a window op's kernel taps as contiguous slices. Along an axis with stride s the padded input is
 * laid out as Q rows of s elements, Q = out + ⌊(k − 1)/s⌋, so that tap t of output o is element
 * (row o + ⌊t/s⌋, phase t mod s). Splitting the input into its s³ stride phases once (together one copy
 * of the input) turns every strided tap window into a contiguous slice of one phase. All ops used are
 * reshapes, pads and slices of rank ≤ 4, so the result is differentiable and fast on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AxisPlan } from './geometry.js';
import { padOrCrop, takePhase } from './views.js';

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

/** The s_d·s_h·s_w stride phases of x, zero-padded, each `[N, Qd, Qh, Qw·C]`, keyed "rd,rh,rw". */
function stridePhases(x: tf.Tensor5D, plans: readonly AxisPlan[]): Map<string, tf.Tensor4D> {
  const [n, , h, w, c] = x.shape;
  const [pd, ph, pw] = plans;
  const [qd, qh, qw] = plans.map(rowsOf);
  const [td, th, tw] = plans.map((p) => rowsOf(p) * p.stride);
  const padded = tf.tidy(() => {
    const byDepth = layAxis(tf.reshape(x, [n, pd.size, h * w * c]), pd);
    const byHeight = layAxis(tf.reshape(byDepth, [n * td, h, w * c]), ph);
    return layAxis(tf.reshape(byHeight, [n * td * th, w, c]), pw);
  });
  // Built now, in the caller's scope: built lazily inside a caller's inner tidy they would be freed
  // at its end while later taps still read them.
  const phases = new Map<string, tf.Tensor4D>();
  for (let rd = 0; rd < Math.min(pd.stride, pd.kernel); rd++) {
    for (let rh = 0; rh < Math.min(ph.stride, ph.kernel); rh++) {
      for (let rw = 0; rw < Math.min(pw.stride, pw.kernel); rw++) {
        const view = tf.tidy(() => {
          const a = takePhase(tf.reshape(padded, [n, td, th * tw * c]), pd.stride, rd);
          const b = takePhase(tf.reshape(a, [n * qd, th, tw * c]), ph.stride, rh);
          const e = takePhase(tf.reshape(b, [n * qd * qh, tw, c]), pw.stride, rw);
          return tf.reshape(e, [n, qd, qh, qw * c]) as tf.Tensor4D;
        });
        phases.set(`${rd},${rh},${rw}`, view);
      }
    }
  }
  padded.dispose();
  return phases;
}

/** Channels-first tap windows with every padded column kept: see {@link wideTapReader}. */
export interface WideTapReader {
  /** Qw: columns per window row (W' plus the padded columns no output uses). */
  columns: number;
  /** Tap (t, i, j)'s window as `[C·N, D', H'·Qw]`. */
  window(t: number, i: number, j: number): tf.Tensor3D;
  /** Frees the phases. */
  dispose(): void;
}

/**
 * Gives tap (t, i, j)'s window of a `[N, D, H, W, C]` input channels first and with every padded column
 * kept, as `[C·N, D', H'·Qw]` (Qw = {@link rowsOf} the width plan): each (c, n, d) row is then one
 * contiguous run of a phase, so a window costs one long copy instead of H' short ones, and reshapes to
 * `[C, N·D'·H'·Qw]` for free. Columns from W' on belong to no output: whatever they are multiplied with
 * must be zero there. The stride phases are split channels last (contiguous runs of C) and each is
 * then transposed: together one transpose of the input.
 */
export function wideTapReader(x: tf.Tensor5D, plans: readonly AxisPlan[]): WideTapReader {
  const [n, , , , c] = x.shape;
  const [pd, ph, pw] = plans;
  const [qd, qh, qw] = plans.map(rowsOf);
  const extra = qw - pw.out;
  const phases = stridePhases(x, plans);
  // One flat row per (c, n, d), with room for the last tap's run to reach past the last padded column.
  const rows = new Map<string, tf.Tensor3D>();
  for (const [key, view] of phases) {
    rows.set(
      key,
      tf.tidy(() => {
        const byChannel = tf.transpose(tf.reshape(view, [n, qd * qh * qw, c]), [2, 0, 1]);
        const flat = tf.reshape(byChannel, [c * n, qd, qh * qw]) as tf.Tensor3D;
        return extra === 0
          ? flat
          : (tf.pad(flat, [
              [0, 0],
              [0, 0],
              [0, extra],
            ]) as tf.Tensor3D);
      }),
    );
    view.dispose();
  }
  return {
    columns: qw,
    window: (t, i, j) =>
      tf.slice(
        rows.get(`${t % pd.stride},${i % ph.stride},${j % pw.stride}`)!,
        [0, Math.floor(t / pd.stride), Math.floor(i / ph.stride) * qw + Math.floor(j / pw.stride)],
        [c * n, pd.out, ph.out * qw],
      ) as tf.Tensor3D,
    dispose: () => {
      for (const row of rows.values()) row.dispose();
    },
  };
}
