import * as tf from '@tensorflow/tfjs-core';
import { Op3dArgumentError } from './geometry.js';

/** Parameters and running statistics of a 3-D batch norm, each of shape `[C]`. */
export interface BatchNorm3dState {
  /** Scale (PyTorch `weight`). */
  gamma: tf.Tensor1D;
  /** Shift (PyTorch `bias`). */
  beta: tf.Tensor1D;
  /** Running mean (PyTorch `running_mean`), updated in place in training mode; make it non-trainable. */
  movingMean: tf.Variable<tf.Rank.R1>;
  /** Running variance (PyTorch `running_var`, unbiased), updated in place in training mode; non-trainable. */
  movingVariance: tf.Variable<tf.Rank.R1>;
}

/**
 * A fresh state for C channels as PyTorch initialises it: gamma 1 and beta 0 as trainable variables,
 * running mean 0 and variance 1 as non-trainable ones (so optimizers never touch them). `name` prefixes
 * the variable names.
 */
export function createBatchNorm3dState(channels: number, name?: string): BatchNorm3dState {
  const id = (suffix: string) => (name === undefined ? undefined : `${name}.${suffix}`);
  // tidy frees the initial tensors; the variables hold their own reference to the data.
  return tf.tidy(() => ({
    gamma: tf.variable(tf.ones([channels]), true, id('weight')) as tf.Variable<tf.Rank.R1>,
    beta: tf.variable(tf.zeros([channels]), true, id('bias')) as tf.Variable<tf.Rank.R1>,
    movingMean: tf.variable(tf.zeros([channels]), false, id('running_mean')) as tf.Variable<tf.Rank.R1>,
    movingVariance: tf.variable(tf.ones([channels]), false, id('running_var')) as tf.Variable<tf.Rank.R1>,
  }));
}

/** Options of {@link batchNorm3d}. */
export interface BatchNorm3dOptions {
  /** Normalise with the batch's statistics and update the running ones (true), or use the running ones. */
  training: boolean;
  /** PyTorch convention: running = (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-5 (PyTorch's). */
  epsilon?: number;
}

/**
 * Batch normalisation of `[N, D, H, W, C]` over N, D, H, W, with PyTorch's `BatchNorm3d` semantics:
 * training mode normalises with the batch mean and biased variance and updates `movingMean` /
 * `movingVariance` (the latter from the unbiased batch variance) by `assign`; inference mode uses the
 * running statistics. Gradients flow to x, gamma and beta (through the batch statistics in training).
 *
 * @throws {@link Op3dArgumentError} on a wrong rank, parameter shapes that do not match C, or a training
 * batch with a single value per channel (its unbiased variance is undefined).
 */
export function batchNorm3d(
  x: tf.Tensor5D,
  state: BatchNorm3dState,
  options: BatchNorm3dOptions,
): tf.Tensor5D {
  const { training, momentum = 0.1, epsilon = 1e-5 } = options;
  if (x.rank !== 5)
    throw new Op3dArgumentError(`batchNorm3d: x must be [N, D, H, W, C], got shape [${x.shape}]`);
  const c = x.shape[4];
  for (const [name, t] of Object.entries(state)) {
    if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.shape[0] !== c) {
      throw new Op3dArgumentError(`batchNorm3d: state.${name} must have shape [${c}] for x [${x.shape}]`);
    }
  }
  const count = x.size / c;
  if (training && count < 2) {
    throw new Op3dArgumentError(
      `batchNorm3d: training needs more than one value per channel, x is [${x.shape}]`,
    );
  }
  const { gamma, beta, movingMean, movingVariance } = state;
  return tf.tidy(() => {
    // A 2-D [positions, C] view: statistics reduce one axis and parameters broadcast on the last.
    const flat = tf.reshape(x, [count, c]);
    let mean: tf.Tensor1D;
    let variance: tf.Tensor1D;
    if (training) {
      ({ mean, variance } = tf.moments(flat, 0) as { mean: tf.Tensor1D; variance: tf.Tensor1D });
      updateRunning(movingMean, mean, momentum);
      updateRunning(movingVariance, tf.mul(variance, count / (count - 1)), momentum);
    } else {
      mean = movingMean;
      variance = movingVariance;
    }
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, epsilon)));
    const y = tf.add(tf.mul(tf.sub(flat, mean), scale), beta);
    return tf.reshape(y, x.shape);
  });
}

function updateRunning(running: tf.Variable, batch: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const next = tf.add(tf.mul(running, 1 - momentum), tf.mul(batch, momentum));
    running.assign(next as tf.Tensor1D);
  });
}
