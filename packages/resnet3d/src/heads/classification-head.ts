import { Rng, tf } from 'renal-core';
import { checkFeatures } from '../input-checks.js';
import { batchNorm1d, linear } from '../layers.js';
import { Module } from '../module.js';
import { addBatchNorm, addLinear } from '../params.js';

/** Configuration of {@link ClassificationHead}. */
export interface ClassificationHeadConfig {
  inFeatures: number;
  /** Hidden width. Default 128. */
  hidden: number;
  numClasses: number;
  bnMomentum: number;
  bnEpsilon: number;
}

/**
 * RenalCLIP's downstream classifier: linear `in → 128` without bias → BatchNorm1d → ReLU → linear `128 → C`.
 * State-dict names as PyTorch's `nn.Sequential`: `0.weight`, `1.{weight,bias,running_mean,running_var}`,
 * `3.weight`, `3.bias`.
 */
export class ClassificationHead extends Module<ClassificationHeadConfig> {
  /** Serialisation name. */
  static readonly className = 'ClassificationHead';
  /** Serialisation name. */
  readonly className = ClassificationHead.className;
  /** The resolved configuration. */
  readonly config: ClassificationHeadConfig;

  /** Builds the head with PyTorch's default initialisation. */
  constructor(
    options: Partial<ClassificationHeadConfig> & { inFeatures: number; numClasses: number },
    seed = 0,
  ) {
    super();
    this.config = {
      inFeatures: options.inFeatures,
      hidden: options.hidden ?? 128,
      numClasses: options.numClasses,
      bnMomentum: options.bnMomentum ?? 0.1,
      bnEpsilon: options.bnEpsilon ?? 1e-5,
    };
    const { inFeatures, hidden, numClasses } = this.config;
    const rng = new Rng(seed);
    addLinear(this.params, rng, '0', inFeatures, hidden, false);
    addBatchNorm(this.params, '1', hidden);
    addLinear(this.params, rng, '3', hidden, numClasses);
  }

  /** Rebuilds the head from {@link ClassificationHead.getConfig}'s output. */
  static fromConfig(config: ClassificationHeadConfig, seed = 0): ClassificationHead {
    return new ClassificationHead(config, seed);
  }

  /** The configuration as a plain JSON-safe object. */
  getConfig(): ClassificationHeadConfig {
    return structuredClone(this.config);
  }

  /** Logits `[N, numClasses]` from features `[N, inFeatures]`; training uses batch statistics. */
  apply(features: tf.Tensor, options: { training?: boolean; checkFinite?: boolean } = {}): tf.Tensor2D {
    checkFeatures(features, 'ClassificationHead features', this.config.inFeatures, options.checkFinite);
    const bnOptions = {
      training: options.training ?? false,
      momentum: this.config.bnMomentum,
      epsilon: this.config.bnEpsilon,
    };
    return tf.tidy(() => {
      const h = batchNorm1d(this.params, '1', linear(this.params, '0', features as tf.Tensor2D), bnOptions);
      return linear(this.params, '3', tf.relu(h));
    });
  }
}
