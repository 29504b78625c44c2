import { tf } from 'renal-core';

/**
 * `a · bᵀ` with a gradient that never uses tfjs's transpose flags: on tfjs-wasm a product with
 * `transposeA`/`transposeB` skips XNNPACK and is 15–50× slower than an explicit transpose followed by a
 * plain product, and tfjs's own BatchMatMul gradient uses the flags.
 */
export const matMulTransposeB = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [a, b] = args as [tf.Tensor2D, tf.Tensor2D];
  const save = args[2] as tf.GradSaveFunc;
  save([a, b]);
  const value = tf.matMul(a, tf.transpose(b));
  const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
    const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
    return [tf.matMul(dy as tf.Tensor2D, sb), tf.matMul(tf.transpose(dy as tf.Tensor2D), sa)];
  };
  return { value, gradFunc };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;
