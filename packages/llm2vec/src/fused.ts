import { tf } from 'renal-core';

type CustomFn = Parameters<typeof tf.customGrad>[0];

/**
 * SwiGLU `silu(gate) · up` with a hand-written gradient that keeps only `gate` and `up` for the backward
 * pass (tfjs's composed version keeps four `[tokens, intermediate]` tensors per layer).
 */
export const swiglu = tf.customGrad(((gate: tf.Tensor, up: tf.Tensor, save: tf.GradSaveFunc) => {
  save([gate, up]);
  return {
    value: tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up)),
    gradFunc: (dy: tf.Tensor, [g, u]: tf.Tensor[]) =>
      tf.tidy(() => {
        const s = tf.sigmoid(g);
        const silu = tf.mul(g, s);
        // d silu / dg = σ(g) · (1 + g · (1 − σ(g)))
        const dSilu = tf.mul(s, tf.add(1, tf.mul(g, tf.sub(1, s))));
        return [tf.mul(tf.mul(dy, u), dSilu), tf.mul(dy, silu)];
      }),
  };
}) as unknown as CustomFn) as unknown as (gate: tf.Tensor, up: tf.Tensor) => tf.Tensor;

/**
 * `softmax(scores + bias)` over the last axis, keeping only the probabilities for the backward pass
 * (`dscores = p · (dy − Σ dy·p)`); the bias (attention mask) is a constant.
 */
export function maskedSoftmax(scores: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((s: tf.Tensor, save: tf.GradSaveFunc) => {
    const p = tf.softmax(tf.add(s, bias));
    save([p]);
    return {
      value: p,
      gradFunc: (dy: tf.Tensor, [probs]: tf.Tensor[]) =>
        tf.tidy(() => tf.mul(probs, tf.sub(dy, tf.sum(tf.mul(dy, probs), -1, true)))),
    };
  }) as unknown as CustomFn);
  return f(scores) as tf.Tensor;
}

/**
 * Inverted dropout: zero each element with probability `rate` and scale the rest by 1 / (1 − rate).
 * Written out because `tf.dropout` leaves one tensor behind per call (tfjs 4.22).
 */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  return tf.tidy(() => {
    const keep = tf.step(tf.sub(tf.randomUniform(x.shape, 0, 1, 'float32', seed), rate));
    return tf.mul(x, tf.mul(keep, 1 / (1 - rate)));
  });
}
