/**
 * The 3-D ops the model uses, all from renal-core (fast on every backend, correct gradients), behind
 * the small signatures the backbone and heads call.
 */
import {
  avgPool3d as coreAvgPool3d,
  batchNorm3d as coreBatchNorm3d,
  maxPool3d as coreMaxPool3d,
  type tf,
} from 'renal-core';

export { conv3d, globalAvgPool3d } from 'renal-core';

/** Batch-norm tensors: scale, shift and the running statistics (updated in place when training). */
export interface BatchNormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
  movingMean: tf.Variable;
  movingVariance: tf.Variable;
}

/** Batch-norm options, PyTorch conventions. */
export interface BatchNormOptions {
  training: boolean;
  momentum: number;
  epsilon: number;
}

/**
 * PyTorch `BatchNorm3d` on `[N, D, H, W, C]`: batch statistics (biased variance) and running-statistics
 * updates (unbiased variance) in training, running statistics otherwise.
 */
export function batchNorm3d(x: tf.Tensor5D, params: BatchNormParams, options: BatchNormOptions): tf.Tensor5D {
  return coreBatchNorm3d(
    x,
    {
      gamma: params.gamma as tf.Variable<tf.Rank.R1>,
      beta: params.beta as tf.Variable<tf.Rank.R1>,
      movingMean: params.movingMean as tf.Variable<tf.Rank.R1>,
      movingVariance: params.movingVariance as tf.Variable<tf.Rank.R1>,
    },
    options,
  );
}

/** PyTorch `MaxPool3d(size, stride, pad)`: cubic window, symmetric −∞ padding. */
export function maxPool3d(x: tf.Tensor5D, size: number, stride: number, pad: number): tf.Tensor5D {
  return coreMaxPool3d(x, {
    size,
    strides: stride,
    padding: [
      [pad, pad],
      [pad, pad],
      [pad, pad],
    ],
  });
}

/** Keeps every `stride`-th voxel from the first on each spatial axis (PyTorch `avg_pool3d(x, 1, stride)`). */
export function subsample3d(x: tf.Tensor5D, stride: number): tf.Tensor5D {
  return stride === 1 ? x : coreAvgPool3d(x, { size: 1, strides: stride });
}
