import { tf } from 'renal-core';
import { batchNorm3d } from './ops.js';
import { key, type ParamStore } from './params.js';

/** `x · W + b` for a linear layer registered under `prefix` (weight `[in, out]`, bias optional). */
export function linear(store: ParamStore, prefix: string, x: tf.Tensor2D): tf.Tensor2D {
  const y = tf.matMul(x, store.get(key(prefix, 'weight'))) as tf.Tensor2D;
  const bias = store.entries.get(key(prefix, 'bias'));
  return bias === undefined ? y : tf.add<tf.Tensor2D>(y, bias.variable);
}

/** PyTorch `BatchNorm1d` on `[N, C]`, through the 3-D batch norm on a `[N, 1, 1, 1, C]` view. */
export function batchNorm1d(
  store: ParamStore,
  prefix: string,
  x: tf.Tensor2D,
  options: { training: boolean; momentum: number; epsilon: number },
): tf.Tensor2D {
  const [n, c] = x.shape;
  const y = batchNorm3d(
    tf.reshape(x, [n, 1, 1, 1, c]) as tf.Tensor5D,
    {
      gamma: store.get(key(prefix, 'weight')),
      beta: store.get(key(prefix, 'bias')),
      movingMean: store.get(key(prefix, 'running_mean')),
      movingVariance: store.get(key(prefix, 'running_var')),
    },
    options,
  );
  return tf.reshape(y, [n, c]);
}

/** Dropout in training with a rate > 0 (mask drawn from `seed` when given); identity otherwise. */
export function dropout(x: tf.Tensor2D, rate: number, training: boolean, seed?: number): tf.Tensor2D {
  return training && rate > 0 ? (tf.dropout(x, rate, undefined, seed) as tf.Tensor2D) : x;
}
