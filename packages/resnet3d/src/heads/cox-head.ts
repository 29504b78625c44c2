import { Rng, tf } from 'renal-core';
import { checkFeatures } from '../input-checks.js';
import { linear } from '../layers.js';
import { Module } from '../module.js';
import { addLinear } from '../params.js';

/** Configuration of {@link CoxHead}. */
export interface CoxHeadConfig {
  inFeatures: number;
  /** Hidden width of both hidden layers. Default 128. */
  hidden: number;
}

/**
 * RenalCLIP's survival head: linear `in → 128` → ReLU → linear `128 → 128` → ReLU → linear `128 → 1`,
 * giving a log-risk score per sample for a Cox partial likelihood. State-dict names as PyTorch's
 * `nn.Sequential`: `0.*`, `2.*`, `4.*`.
 */
export class CoxHead extends Module<CoxHeadConfig> {
  /** Serialisation name. */
  static readonly className = 'CoxHead';
  /** Serialisation name. */
  readonly className = CoxHead.className;
  /** The resolved configuration. */
  readonly config: CoxHeadConfig;

  /** Builds the head with PyTorch's default linear initialisation. */
  constructor(options: Partial<CoxHeadConfig> & { inFeatures: number }, seed = 0) {
    super();
    this.config = { inFeatures: options.inFeatures, hidden: options.hidden ?? 128 };
    const { inFeatures, hidden } = this.config;
    const rng = new Rng(seed);
    addLinear(this.params, rng, '0', inFeatures, hidden);
    addLinear(this.params, rng, '2', hidden, hidden);
    addLinear(this.params, rng, '4', hidden, 1);
  }

  /** Rebuilds the head from {@link CoxHead.getConfig}'s output. */
  static fromConfig(config: CoxHeadConfig, seed = 0): CoxHead {
    return new CoxHead(config, seed);
  }

  /** The configuration as a plain JSON-safe object. */
  getConfig(): CoxHeadConfig {
    return structuredClone(this.config);
  }

  /** Log-risk scores `[N, 1]` from features `[N, inFeatures]`. */
  apply(features: tf.Tensor, options: { training?: boolean; checkFinite?: boolean } = {}): tf.Tensor2D {
    checkFeatures(features, 'CoxHead features', this.config.inFeatures, options.checkFinite);
    return tf.tidy(() => {
      const h1 = tf.relu(linear(this.params, '0', features as tf.Tensor2D));
      const h2 = tf.relu(linear(this.params, '2', h1));
      return linear(this.params, '4', h2);
    });
  }
}
