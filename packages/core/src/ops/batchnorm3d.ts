import * as tf from '@tensorflow/tfjs-core';
import { Op3dArgumentError } from './geometry.js';
import { withLazyGradients } from './lazy-grad.js';

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
    const flat = tf.reshape(x, [count, c]) as tf.Tensor2D;
    // Rows per block of the reductions (see sumRows): one H·W plane.
    const plane = x.shape[2] * x.shape[3];
    if (!training) {
      return tf.reshape(normalise(flat, plane, gamma, beta, movingMean, movingVariance, epsilon), x.shape);
    }
    const { y, mean, variance } = normaliseWithBatchStatistics(flat, plane, gamma, beta, epsilon);
    updateRunning(movingMean, mean, momentum);
    updateRunning(movingVariance, tf.mul(variance, count / (count - 1)), momentum);
    tf.dispose([mean, variance]);
    return tf.reshape(y, x.shape);
  });
}

/**
 * Σ over the rows of `[P, C]` → `[1, C]`, as an average pool over blocks of `block` rows (a divisor of
 * P) — one streaming pass, vectorised over channels — then a `ones[1, P / block]` product of the block
 * means, times P. On wasm a reduction over axis 0 (`tf.sum`, `tf.moments`) transposes first, and a
 * `ones[1, P]·x` product packs all of x: for the stem's `[131072, 64]` ~100 ms either way, ~4 ms this way.
 */
function sumRows(x: tf.Tensor2D, block: number): tf.Tensor2D {
  const [p, c] = x.shape;
  const blocks = p / block;
  const means = tf.avgPool(tf.reshape(x, [1, p, 1, c]) as tf.Tensor4D, [block, 1], [block, 1], 'valid');
  return tf.mul(tf.matMul(tf.ones([1, blocks]), tf.reshape(means, [blocks, c])), block);
}

/** A `[C]` parameter as a `[1, C]` row that broadcasts over `[P, C]`. */
const row = (v: tf.Tensor): tf.Tensor2D => tf.reshape(v, [1, v.size]);

/**
 * Training mode: normalise with the batch mean and biased variance. The backward pass is written out
 * (its reductions as {@link sumRows}) instead of differentiating through the statistics, which would
 * reduce over axis 0 several times. Also returns the batch statistics (`[C]`, kept: the caller
 * disposes them) for the running update.
 */
function normaliseWithBatchStatistics(
  flat: tf.Tensor2D,
  plane: number,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): { y: tf.Tensor2D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const [count, c] = flat.shape;
  const stats: tf.Tensor1D[] = [];
  const y = withLazyGradients(
    [flat, gamma, beta],
    (save) => {
      const mean = tf.div(sumRows(flat, plane), count) as tf.Tensor2D;
      const centered = tf.sub(flat, mean) as tf.Tensor2D;
      const variance = tf.div(sumRows(tf.square(centered), plane), count) as tf.Tensor2D;
      stats.push(tf.keep(tf.reshape(mean, [c])), tf.keep(tf.reshape(variance, [c])));
      const invStd = tf.rsqrt(tf.add(variance, epsilon));
      save([flat, gamma, mean, invStd]);
      return tf.add(tf.mul(centered, tf.mul(row(gamma), invStd)), row(beta)) as tf.Tensor2D;
    },
    (dy, saved) => {
      const [xs, g, mean, invStd] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
      // The two reductions all three gradients share, done once (small: [1, C] each).
      const [dyTotal, dyCentered] = tf.tidy(() => [
        sumRows(dy, plane),
        sumRows(tf.mul(dy, tf.sub(xs, mean)) as tf.Tensor2D, plane),
      ]);
      return [
        () => {
          // dx = γ·r·(dy − Σdy/P − x̂·Σ(dy·x̂)/P) with x̂ = (x − μ)·r, as k·dy + a·x + b per channel.
          const k = tf.mul(row(g), invStd);
          const a = tf.mul(k, tf.mul(tf.square(invStd), tf.div(dyCentered, -count)));
          const b = tf.sub(tf.mul(k, tf.div(dyTotal, -count)), tf.mul(a, mean));
          return tf.add(tf.add(tf.mul(dy, k), tf.mul(xs, a)), b);
        },
        () => tf.reshape(tf.mul(dyCentered, invStd), [c]),
        () => tf.reshape(dyTotal, [c]),
      ];
    },
  );
  return { y, mean: stats[0], variance: stats[1] };
}

/**
 * Inference mode: `(x − mean)·scale + beta` with the running statistics (constants here); gradients
 * for x, gamma and beta written out, each computed only if needed (a frozen-BN fine-tune asks only
 * for x's).
 */
function normalise(
  flat: tf.Tensor2D,
  plane: number,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  runningMean: tf.Tensor1D,
  runningVariance: tf.Tensor1D,
  epsilon: number,
): tf.Tensor2D {
  const c = flat.shape[1];
  return withLazyGradients(
    [flat, gamma, beta],
    (save) => {
      const mean = row(runningMean);
      const invStd = row(tf.rsqrt(tf.add(runningVariance, epsilon)));
      save([flat, gamma, mean, invStd]);
      return tf.add(tf.mul(tf.sub(flat, mean), tf.mul(row(gamma), invStd)), row(beta)) as tf.Tensor2D;
    },
    (dy, saved) => {
      const [xs, g, mean, invStd] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor2D];
      return [
        () => tf.mul(dy, tf.mul(row(g), invStd)),
        () => tf.reshape(tf.mul(sumRows(tf.mul(dy, tf.sub(xs, mean)) as tf.Tensor2D, plane), invStd), [c]),
        () => tf.reshape(sumRows(dy, plane), [c]),
      ];
    },
  );
}

function updateRunning(running: tf.Variable, batch: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const next = tf.add(tf.mul(running, 1 - momentum), tf.mul(batch, momentum));
    running.assign(next as tf.Tensor1D);
  });
}
