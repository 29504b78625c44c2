import * as tf from '@tensorflow/tfjs-core';

/** Per-axis triple (depth, height, width). */
export type Triple = [number, number, number];

/** Padding: TensorFlow's 'same'/'valid', or explicit [before, after] pairs for depth, height, width. */
export type Padding3D = 'same' | 'valid' | [[number, number], [number, number], [number, number]];

/** Options of {@link conv3d}. */
export interface Conv3dOptions {
  /** Stride per axis (1 or 2 supported everywhere); a number applies to all three axes. Default 1. */
  strides?: number | Triple;
  /** Default 'same'. */
  padding?: Padding3D;
}

/**
 * 3-D convolution, channels last: x `[N, D, H, W, Cin]`, filter `[kd, kh, kw, Cin, Cout]` → `[N, D', H', W', Cout]`.
 * Gradients are correct on every backend (TensorFlow.js's own wasm conv3d gradients are not).
 *
 * TODO(core-ops): the fast, backend-aware implementation replaces this delegate.
 */
export function conv3d(x: tf.Tensor5D, filter: tf.Tensor5D, options: Conv3dOptions = {}): tf.Tensor5D {
  const { strides = 1, padding = 'same' } = options;
  return tf.tidy(() => {
    const s = typeof strides === 'number' ? ([strides, strides, strides] as Triple) : strides;
    const padded =
      typeof padding === 'string' ? x : tf.pad(x, [[0, 0], padding[0], padding[1], padding[2], [0, 0]]);
    return tf.conv3d(padded, filter, s, typeof padding === 'string' ? padding : 'valid');
  });
}
