import { tf } from 'renal-core';

/** Swaps the last two axes. */
export function swapLastAxes<T extends tf.Tensor>(x: T): T {
  const rank = x.rank;
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return tf.transpose(x, perm) as T;
}

type CustomFn = Parameters<typeof tf.customGrad>[0];

const both = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      tf.matMul(dy, swapLastAxes(sb)),
      tf.matMul(swapLastAxes(sa), dy),
    ],
  };
}) as unknown as CustomFn) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** True for a tensor a gradient may need to reach (a trainable variable). */
const isTrainable = (t: tf.Tensor) => t instanceof tf.Variable && t.trainable;

/**
 * `a @ b` (batched over leading axes) whose gradient multiplies explicitly transposed operands. tfjs's own
 * gradient uses matMul's transpose flags, and the wasm backend's transposed matMul is ~10× slower than a
 * plain one (measured: 512×384 @ 384×1536, 614 ms with transposeB vs 53 ms without). An operand marked
 * constant (or a base weight that is not a trainable variable) gets no gradient, saving that product;
 * `transposedB` may hand the backward pass a kept `bᵀ` of a constant `b` instead of transposing it anew.
 */
export function mm<T extends tf.Tensor>(
  a: T,
  b: tf.Tensor,
  constant: { a?: boolean; b?: boolean; transposedB?: (b: tf.Tensor) => tf.Tensor } = {},
): T {
  const constA = constant.a ?? false;
  const constB = constant.b ?? (b instanceof tf.Variable ? !isTrainable(b) : false);
  if (!constA && !constB) return both(a, b) as T;
  if (constA && constB) return tf.matMul(a, b) as T;
  if (constB) {
    // The constant is saved, not just captured: saving keeps it alive until the backward pass runs.
    const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([b]);
      return {
        value: tf.matMul(x, b),
        gradFunc: (dy: tf.Tensor, [sb]: tf.Tensor[]) =>
          tf.matMul(dy, constant.transposedB ? constant.transposedB(sb) : swapLastAxes(sb)),
      };
    }) as unknown as CustomFn);
    return f(a) as T;
  }
  const f = tf.customGrad(((y: tf.Tensor, save: tf.GradSaveFunc) => {
    save([a]);
    return {
      value: tf.matMul(a, y),
      gradFunc: (dy: tf.Tensor, [sa]: tf.Tensor[]) => tf.matMul(swapLastAxes(sa), dy),
    };
  }) as unknown as CustomFn);
  return f(b) as T;
}
