/**
 * Volumes to and from TensorFlow.js tensors, channels-last: a volume of shape (i, j, k) — i fastest in memory —
 * is the row-major array [k, j, i], so `toTensor` gives `[D, H, W, 1]` = `[k, j, i, 1]` without moving a voxel.
 * The paper's crop (i, j, k) = (128, 128, 32) becomes `[32, 128, 128, 1]`; a batch stacks to `[N, D, H, W, 1]`.
 */
import { tf } from 'renal-core';
import { TransformError } from './errors.js';
import type { Vec3, Volume } from './volume.js';

/**
 * A float32 tensor `[D, H, W, 1]` from a volume (shape (W, H, D) in i, j, k) or from a raw Float32Array with an
 * explicit `[D, H, W]` shape.
 */
export function toTensor(input: Volume | Float32Array, shape?: readonly number[]): tf.Tensor4D {
  if (input instanceof Float32Array) {
    if (shape?.length !== 3 || shape[0] * shape[1] * shape[2] !== input.length) {
      throw new TransformError(
        'tensor',
        'shape',
        `[D, H, W] = ${JSON.stringify(shape)} does not hold ${input.length} values`,
      );
    }
    return tf.tensor4d(input, [shape[0], shape[1], shape[2], 1], 'float32');
  }
  const [w, h, d] = input.shape;
  const data = input.data instanceof Float32Array ? input.data : Float32Array.from(input.data);
  return tf.tensor4d(data, [d, h, w, 1], 'float32');
}

/** A float32 batch `[N, D, H, W, 1]` from volumes of one shape. */
export function toBatchTensor(volumes: readonly Volume[]): tf.Tensor5D {
  if (volumes.length === 0) throw new TransformError('batch', 'volumes', 'empty batch');
  const [w, h, d] = volumes[0].shape;
  const per = w * h * d;
  const data = new Float32Array(per * volumes.length);
  for (const [n, v] of volumes.entries()) {
    if (v.shape[0] !== w || v.shape[1] !== h || v.shape[2] !== d) {
      throw new TransformError(
        v.source ?? `volume ${n}`,
        'shape',
        `${v.shape.join('×')} differs from ${w}×${h}×${d}`,
      );
    }
    data.set(v.data, n * per);
  }
  return tf.tensor5d(data, [volumes.length, d, h, w, 1], 'float32');
}

/** A volume from a `[D, H, W]` or `[D, H, W, 1]` tensor, with the geometry of `like` (or unit spacing). */
export async function fromTensor(tensor: tf.Tensor, like?: Volume): Promise<Volume> {
  const s = tensor.shape;
  if (!(s.length === 3 || (s.length === 4 && s[3] === 1))) {
    throw new TransformError('tensor', 'shape', `expected [D, H, W] or [D, H, W, 1], got [${s.join(', ')}]`);
  }
  const data = (await tensor.data()) as Float32Array;
  const shape: Vec3 = [s[2], s[1], s[0]];
  return {
    data: Float32Array.from(data),
    shape,
    spacing: like ? ([...like.spacing] as Vec3) : [1, 1, 1],
    affine: like
      ? like.affine.map((r) => [...r])
      : [
          [1, 0, 0, 0],
          [0, 1, 0, 0],
          [0, 0, 1, 0],
          [0, 0, 0, 1],
        ],
    datatype: 'float32',
  };
}
