import * as tf from '@tensorflow/tfjs-core';
import { foldedConv3d } from './conv3d-folded.js';
import { padSpatial } from './views.js';
import { Op3dArgumentError, type Padding3D, planAxes, type Triple, toTriple } from './geometry.js';

/** Which formulation {@link conv3d} runs. */
export type Conv3dImplementation = 'auto' | 'native' | 'folded';

/** Options of {@link conv3d}. */
export interface Conv3dOptions {
  /** Stride per axis (depth, height, width); a number applies to all three. Default 1. */
  strides?: number | Triple;
  /** `'same'`, `'valid'` or explicit `[[before, after], …]` per axis. Default `'same'`. */
  padding?: Padding3D;
  /**
   * `'native'` is TensorFlow.js's Conv3D with its own gradients; `'folded'` is a sum of conv2d over the
   * depth taps with hand-written gradients. `'auto'` (default) picks, per backend, the fastest one whose
   * gradients are correct: folded on wasm (whose Conv3DBackprop kernels are wrong), native elsewhere.
   * Forcing `'native'` on wasm therefore gives wrong gradients; it exists for comparisons.
   */
  implementation?: Conv3dImplementation;
}

/** Backends on which the folded formulation is used by `implementation: 'auto'`. */
const FOLDED_BACKENDS = new Set(['wasm']);

/**
 * 3-D convolution, channels last: x `[N, D, H, W, Cin]`, filter `[kd, kh, kw, Cin, Cout]` →
 * `[N, D', H', W', Cout]`, any kernel size (odd or even), any positive stride per axis, `'same'`,
 * `'valid'` or explicit padding. Gradients for x and filter are correct on every backend (TensorFlow.js's
 * own wasm conv3d gradients are not, so on wasm they are never used).
 *
 * @throws {@link Op3dArgumentError} on a wrong rank, channel mismatch, bad stride or padding.
 */
export function conv3d(x: tf.Tensor5D, filter: tf.Tensor5D, options: Conv3dOptions = {}): tf.Tensor5D {
  const { strides = 1, padding = 'same', implementation = 'auto' } = options;
  if (x.rank !== 5) throw new Op3dArgumentError(`conv3d: x must be [N, D, H, W, C], got shape [${x.shape}]`);
  if (filter.rank !== 5 || filter.shape[3] !== x.shape[4]) {
    throw new Op3dArgumentError(
      `conv3d: filter must be [kd, kh, kw, ${x.shape[4]}, Cout] for x [${x.shape}], got [${filter.shape}]`,
    );
  }
  const stride = toTriple(strides, 'strides', 'conv3d');
  const input = x.shape.slice(1, 4) as Triple;
  const kernel = filter.shape.slice(0, 3) as Triple;
  const plans = planAxes(input, kernel, stride, padding, 'conv3d');
  const folded =
    implementation === 'folded' || (implementation === 'auto' && FOLDED_BACKENDS.has(tf.getBackend()));
  if (folded) return foldedConv3d(x, filter, plans);
  return tf.tidy(() => {
    if (typeof padding === 'string') return tf.conv3d(x, filter, stride, padding);
    const padded = padSpatial(
      x,
      plans.map((p): [number, number] => [p.before, p.after]),
    );
    return tf.conv3d(padded, filter, stride, 'valid');
  });
}
