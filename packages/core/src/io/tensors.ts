import * as tf from '@tensorflow/tfjs-core';
import { floatToBfloat16, floatToHalf, type RawTensor, toFloat32 } from './dtypes.js';

/** A stored tensor as a float32 TensorFlow.js tensor (F16/BF16 decoded, integers and booleans cast). */
export function rawToTensor(raw: RawTensor): tf.Tensor {
  return tf.tensor(toFloat32(raw), raw.shape, 'float32');
}

/**
 * A TensorFlow.js tensor's values as a stored tensor: float32 → F32 (or F16/BF16 when `as` says so,
 * rounded to nearest even), int32 → I32, bool → BOOL.
 */
export async function tensorToRaw(tensor: tf.Tensor, as: 'F32' | 'F16' | 'BF16' = 'F32'): Promise<RawTensor> {
  const shape = [...tensor.shape];
  if (tensor.dtype === 'int32') return { dtype: 'I32', shape, data: (await tensor.data()) as Int32Array };
  if (tensor.dtype === 'bool') return { dtype: 'BOOL', shape, data: Uint8Array.from(await tensor.data()) };
  if (tensor.dtype !== 'float32') throw new TypeError(`cannot store a ${tensor.dtype} tensor`);
  return float32ToRaw((await tensor.data()) as Float32Array, shape, as);
}

/** Float32 values as a stored tensor of the requested floating-point dtype. */
export function float32ToRaw(
  values: Float32Array,
  shape: number[],
  as: 'F32' | 'F16' | 'BF16' = 'F32',
): RawTensor {
  if (as === 'F32') return { dtype: 'F32', shape, data: values };
  const encode = as === 'F16' ? floatToHalf : floatToBfloat16;
  const data = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = encode(values[i]);
  return { dtype: as, shape, data };
}
