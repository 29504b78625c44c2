import { tf } from 'renal-core';
import { conv3d } from './ops.js';

/**
 * Moves the phases of one axis into the batch: `[B, L, R]` with `L = d·q` → `[d·B, q, R]`
 * (batch index `phase·B + b`). Rank ≤ 4 throughout, which every backend handles well.
 */
function phasesToBatch(x: tf.Tensor, d: number): tf.Tensor3D {
  const [b, l, r] = x.shape;
  const q = l / d;
  return tf.reshape(tf.transpose(tf.reshape(x, [b, q, d, r]), [2, 0, 1, 3]), [d * b, q, r]);
}

/** Inverse of {@link phasesToBatch}: `[d·B, q, R]` → `[B, d·q, R]`. */
function batchToPhases(x: tf.Tensor, d: number): tf.Tensor3D {
  const [db, q, r] = x.shape;
  const b = db / d;
  return tf.reshape(tf.transpose(tf.reshape(x, [d, b, q, r]), [1, 2, 0, 3]), [b, q * d, r]);
}

/**
 * Stride-1 3-D convolution with dilation `d` and PyTorch's padding `d·(k−1)/2` (odd cubic kernels), as
 * MedicalNet's dilated stages use. Computed exactly, without inflating the filter: output voxels of one
 * phase (position mod d on each axis) see only input voxels of the same phase, so the d³ phase grids go
 * into the batch, get one ordinary convolution (padding (k−1)/2), and come back. Inputs are zero-padded up
 * to a multiple of d (those zeros sit where the convolution's own padding would) and outputs cropped.
 */
export function dilatedConv3d(x: tf.Tensor5D, filter: tf.Tensor5D, dilation: number): tf.Tensor5D {
  if (dilation === 1) {
    const p = (filter.shape[0] - 1) / 2;
    return conv3d(x, filter, {
      strides: 1,
      padding: [
        [p, p],
        [p, p],
        [p, p],
      ],
    });
  }
  return tf.tidy(() => {
    const d = dilation;
    const [n, depth, height, width, c] = x.shape;
    const co = filter.shape[4];
    const up = (v: number) => Math.ceil(v / d) * d;
    const [D, H, W] = [up(depth), up(height), up(width)];
    let y: tf.Tensor = tf.reshape(x, [n, depth, height * width * c]);
    if (D > depth)
      y = tf.pad(y, [
        [0, 0],
        [0, D - depth],
        [0, 0],
      ]);
    y = phasesToBatch(y, d); // [d·n, D/d, H0·W0·C]
    y = tf.reshape(y, [d * n * (D / d), height, width * c]);
    if (H > height)
      y = tf.pad(y, [
        [0, 0],
        [0, H - height],
        [0, 0],
      ]);
    y = phasesToBatch(y, d); // [d·(d·n·Dq), H/d, W0·C]
    y = tf.reshape(y, [d * d * n * (D / d) * (H / d), width, c]);
    if (W > width)
      y = tf.pad(y, [
        [0, 0],
        [0, W - width],
        [0, 0],
      ]);
    y = phasesToBatch(y, d); // [d³·n·Dq·Hq, W/d, C]
    const [dq, hq, wq] = [D / d, H / d, W / d];
    const batch = d * d * d * n;
    const p = (filter.shape[0] - 1) / 2;
    let z: tf.Tensor = conv3d(tf.reshape(y, [batch, dq, hq, wq, c]) as tf.Tensor5D, filter, {
      strides: 1,
      padding: [
        [p, p],
        [p, p],
        [p, p],
      ],
    });
    // Undo the phase moves in reverse order (W, then H, then D), cropping the padding after each.
    z = batchToPhases(tf.reshape(z, [batch * dq * hq, wq, co]), d); // [d²·n·Dq·Hq, W, Co]
    z = tf.slice(z, [0, 0, 0], [-1, width, -1]);
    z = batchToPhases(tf.reshape(z, [d * d * n * dq, hq, width * co]), d); // [d·n·Dq, H, W0·Co]
    z = tf.slice(z, [0, 0, 0], [-1, height, -1]);
    z = batchToPhases(tf.reshape(z, [d * n, dq, height * width * co]), d); // [n, D, H0·W0·Co]
    z = tf.slice(z, [0, 0, 0], [-1, depth, -1]);
    return tf.reshape(z, [n, depth, height, width, co]) as tf.Tensor5D;
  });
}
