import { Rng, tf } from 'renal-core';
import { checkFeatures } from '../input-checks.js';
import { linear } from '../layers.js';
import { Module } from '../module.js';
import { addLinear } from '../params.js';

/** Configuration of {@link ProjectionHead}. */
export interface ProjectionHeadConfig {
  inFeatures: number;
  outFeatures: number;
  /** Hidden width of a `linear → ReLU → linear` MLP; 0 for one linear layer. Default 0. */
  hidden: number;
  /** L2-normalise the output rows (for contrastive alignment). Default true. */
  normalize: boolean;
}

/**
 * Maps pooled image features into the text embedding space: linear `inFeatures → outFeatures` (RenalCLIP:
 * 512 → 4096) or an MLP, then L2 normalisation. State-dict names: `weight`/`bias`, or `0.*` and `2.*` for
 * the MLP (PyTorch `nn.Sequential(Linear, ReLU, Linear)`).
 */
export class ProjectionHead extends Module<ProjectionHeadConfig> {
  /** Serialisation name. */
  static readonly className = 'ProjectionHead';
  /** Serialisation name. */
  readonly className = ProjectionHead.className;
  /** The resolved configuration. */
  readonly config: ProjectionHeadConfig;

  /** Builds the head with PyTorch's default linear initialisation. */
  constructor(
    options: Partial<ProjectionHeadConfig> & { inFeatures: number; outFeatures: number },
    seed = 0,
  ) {
    super();
    this.config = {
      inFeatures: options.inFeatures,
      outFeatures: options.outFeatures,
      hidden: options.hidden ?? 0,
      normalize: options.normalize ?? true,
    };
    const { inFeatures, outFeatures, hidden } = this.config;
    const rng = new Rng(seed);
    if (hidden > 0) {
      addLinear(this.params, rng, '0', inFeatures, hidden);
      addLinear(this.params, rng, '2', hidden, outFeatures);
    } else {
      addLinear(this.params, rng, '', inFeatures, outFeatures);
    }
  }

  /** Rebuilds the head from {@link ProjectionHead.getConfig}'s output. */
  static fromConfig(config: ProjectionHeadConfig, seed = 0): ProjectionHead {
    return new ProjectionHead(config, seed);
  }

  /** The configuration as a plain JSON-safe object. */
  getConfig(): ProjectionHeadConfig {
    return structuredClone(this.config);
  }

  /** Embeddings `[N, outFeatures]` (unit rows when `normalize`) from features `[N, inFeatures]`. */
  apply(features: tf.Tensor, options: { training?: boolean; checkFinite?: boolean } = {}): tf.Tensor2D {
    checkFeatures(features, 'ProjectionHead features', this.config.inFeatures, options.checkFinite);
    return tf.tidy(() => {
      const x = features as tf.Tensor2D;
      const y =
        this.config.hidden > 0
          ? linear(this.params, '2', tf.relu(linear(this.params, '0', x)))
          : linear(this.params, '', x);
      if (!this.config.normalize) return y;
      // Same guard as PyTorch's F.normalize: divide by max(‖y‖, 1e-12).
      return tf.div(y, tf.maximum(tf.norm(y, 'euclidean', 1, true), 1e-12));
    });
  }
}
