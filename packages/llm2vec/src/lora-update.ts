import { tf } from 'renal-core';

type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * LoRA's update `scale · (x·Aᵀ)·Bᵀ` for `x` `[N, in]`, `A` `[r, in]`, `B` `[out, r]` (PEFT's layouts), with
 * a gradient arranged so only rank-r tensors are ever transposed: `dA = dzᵀ·x`, `dB = (zᵀ·du)ᵀ`,
 * `dx = dz·A` with `dz = du·B`. Composed from two generic products, the backward pass transposed the
 * `[N, in]` activations of every adapted projection (~5 % of a LoRA step on wasm).
 */
export function loraUpdate(x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D, scale: number): tf.Tensor2D {
  const f = tf.customGrad(((xIn: tf.Tensor2D, aIn: tf.Tensor2D, bIn: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const z = tf.matMul(xIn, tf.transpose(aIn));
    save([xIn, aIn, bIn, z]);
    return {
      value: tf.mul(tf.matMul(z, tf.transpose(bIn)), scale),
      gradFunc: (dy: tf.Tensor2D, [sx, sa, sb, sz]: tf.Tensor2D[]) =>
        tf.tidy(() => {
          const du = tf.mul(dy, scale) as tf.Tensor2D;
          const dz = tf.matMul(du, sb);
          const dzT = tf.transpose(dz);
          return [tf.matMul(dz, sa), tf.matMul(dzT, sx), tf.transpose(tf.matMul(tf.transpose(sz), du))];
        }),
    };
  }) as unknown as CustomFn);
  return f(x, a, b) as tf.Tensor2D;
}
