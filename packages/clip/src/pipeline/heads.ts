import { Rng, tf } from 'renal-core';
import { ClassificationHead, CoxHead } from 'renal-resnet3d';
import { coxPartialLikelihoodLoss } from 'renal-survival';
import { AdamW } from '../train/adamw.js';
import { cosineWithWarmup } from '../train/schedule.js';

/** Hyper-parameters of a head trained on frozen features. */
export interface HeadTraining {
  epochs: number;
  batchSize: number;
  lr: number;
  weightDecay: number;
  hidden: number;
}

/** Per-feature mean and standard deviation, fitted on training features. */
export interface Standardizer {
  mean: Float32Array;
  std: Float32Array;
}

/** Fits a {@link Standardizer} (a feature with zero spread keeps std 1). */
export function fitStandardizer(features: Float32Array[]): Standardizer {
  const dim = features[0].length;
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (const f of features) for (let d = 0; d < dim; d++) mean[d] += f[d] / features.length;
  for (const f of features) for (let d = 0; d < dim; d++) std[d] += (f[d] - mean[d]) ** 2 / features.length;
  for (let d = 0; d < dim; d++) std[d] = std[d] > 1e-12 ? Math.sqrt(std[d]) : 1;
  return { mean, std };
}

/** Standardised features as a `[n, dim]` tensor. */
export function standardize(features: Float32Array[], s: Standardizer): tf.Tensor2D {
  const dim = s.mean.length;
  const data = new Float32Array(features.length * dim);
  features.forEach((f, i) => {
    for (let d = 0; d < dim; d++) data[i * dim + d] = (f[d] - s.mean[d]) / s.std[d];
  });
  return tf.tensor2d(data, [features.length, dim]);
}

/** Class weights n / (C · n_c) of labels (0 for a class never seen). */
export function inverseFrequencyWeights(labels: number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const y of labels) counts[y]++;
  return counts.map((c) => (c === 0 ? 0 : labels.length / (classes * c)));
}

/** Class-weighted cross-entropy (PyTorch's `CrossEntropyLoss(weight)`: Σ w_y·nll / Σ w_y). */
export function weightedCrossEntropy(logits: tf.Tensor2D, labels: number[], weights: number[]): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]);
    const nll = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
    const w = tf.tensor1d(labels.map((y) => weights[y]));
    return tf.div(tf.sum(tf.mul(w, nll)), tf.maximum(tf.sum(w), 1e-12)) as tf.Scalar;
  });
}

/** A trained head: scores for new features; owns its variables. */
export interface TrainedHead<T> {
  predict(features: Float32Array[]): T[];
  dispose(): void;
}

function minibatches(n: number, batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) out.push(order.slice(i, i + batchSize));
  // Batch norm needs at least two samples: fold a trailing single sample into the previous batch.
  if (out.length > 1 && out[out.length - 1].length < 2) out[out.length - 2].push(...out.pop()!);
  return out;
}

/**
 * The paper's classification head (linear without bias → BN → ReLU → linear) trained on frozen, standardised
 * features with class-weighted cross-entropy, AdamW and a cosine schedule. Predicts class probabilities.
 */
export function trainClassifierHead(
  features: Float32Array[],
  labels: number[],
  classes: number,
  hp: HeadTraining,
  seed: number,
): TrainedHead<number[]> {
  const scaler = fitStandardizer(features);
  const head = new ClassificationHead(
    { inFeatures: features[0].length, hidden: hp.hidden, numClasses: classes },
    seed,
  );
  const variables = head.trainableVariables;
  const optimizer = new AdamW([{ variables }], { weightDecay: hp.weightDecay });
  const weights = inverseFrequencyWeights(labels, classes);
  const x = standardize(features, scaler);
  const rng = new Rng(seed);
  const batches = minibatches(labels.length, hp.batchSize, rng).length;
  const totalSteps = batches * hp.epochs;
  let step = 0;
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    for (const batch of minibatches(labels.length, hp.batchSize, rng)) {
      const xb = tf.gather(x, batch);
      const yb = batch.map((i) => labels[i]);
      const { value, grads } = tf.variableGrads(
        () => weightedCrossEntropy(head.apply(xb, { training: true, checkFinite: false }), yb, weights),
        variables,
      );
      optimizer.applyGradients(grads, cosineWithWarmup(step++, { baseLr: hp.lr, totalSteps }));
      tf.dispose([xb, value, ...Object.values(grads)]);
    }
  }
  x.dispose();
  optimizer.dispose();
  return {
    predict(test) {
      const probs = tf.tidy(() => tf.softmax(head.apply(standardize(test, scaler), { checkFinite: false })));
      const rows = probs.arraySync() as number[][];
      probs.dispose();
      return rows;
    },
    dispose: () => head.dispose(),
  };
}

/**
 * The paper's Cox head (linear → ReLU → linear → ReLU → linear to one log-risk) trained on frozen,
 * standardised features with the negative Cox partial log-likelihood (Breslow) on full batches. Predicts
 * log-risk scores (higher = worse).
 */
export function trainCoxHead(
  features: Float32Array[],
  time: number[],
  event: number[],
  hp: HeadTraining,
  seed: number,
): TrainedHead<number> {
  const scaler = fitStandardizer(features);
  const head = new CoxHead({ inFeatures: features[0].length, hidden: hp.hidden }, seed);
  const variables = head.trainableVariables;
  const optimizer = new AdamW([{ variables }], { weightDecay: hp.weightDecay });
  const x = standardize(features, scaler);
  const ignoreNoEvents = () => {};
  for (let step = 0; step < hp.epochs; step++) {
    const { value, grads } = tf.variableGrads(
      () =>
        coxPartialLikelihoodLoss(head.apply(x, { checkFinite: false }), time, event, {
          onWarning: ignoreNoEvents,
        }),
      variables,
    );
    optimizer.applyGradients(grads, cosineWithWarmup(step, { baseLr: hp.lr, totalSteps: hp.epochs }));
    tf.dispose([value, ...Object.values(grads)]);
  }
  x.dispose();
  optimizer.dispose();
  return {
    predict(test) {
      const risk = tf.tidy(() => head.apply(standardize(test, scaler), { checkFinite: false }));
      const values = Array.from(risk.dataSync());
      risk.dispose();
      return values;
    },
    dispose: () => head.dispose(),
  };
}
