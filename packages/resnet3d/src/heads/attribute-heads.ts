import { Rng, tf } from 'renal-core';
import { ResNet3dConfigError } from '../errors.js';
import { checkFeatures } from '../input-checks.js';
import { dropout, linear } from '../layers.js';
import { Module } from '../module.js';
import { addLinear } from '../params.js';

/** Class counts of RenalCLIP's 14 report-derived attributes, in the manifest's order. */
export const RENAL_ATTRIBUTE_CLASSES: readonly number[] = [3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3];

/** Configuration of {@link AttributeHeads}. */
export interface AttributeHeadsConfig {
  /** Width of the features the heads read (the backbone's pooled width). */
  inFeatures: number;
  /** Classes per attribute. Default {@link RENAL_ATTRIBUTE_CLASSES}. */
  classCounts: number[];
  /** Width of a hidden ReLU layer per head; 0 for a single linear layer. Default 0. */
  hidden: number;
  /** Dropout rate before each linear layer in training. Default 0. */
  dropout: number;
}

/**
 * One classifier per attribute on shared features: `dropout → linear` or `dropout → linear → ReLU →
 * dropout → linear`. State-dict names: `heads.{k}.weight`/`.bias`, or `heads.{k}.hidden.*` and `heads.{k}.out.*`.
 */
export class AttributeHeads extends Module<AttributeHeadsConfig> {
  /** Serialisation name. */
  static readonly className = 'AttributeHeads';
  /** Serialisation name. */
  readonly className = AttributeHeads.className;
  /** The resolved configuration. */
  readonly config: AttributeHeadsConfig;
  /** Seeds of the dropout masks in training (its own stream: the weights' initialisation is unchanged). */
  private readonly dropoutRng: Rng;

  /** Builds the heads with PyTorch's default linear initialisation. */
  constructor(options: Partial<AttributeHeadsConfig> & { inFeatures: number }, seed = 0) {
    super();
    this.config = {
      inFeatures: options.inFeatures,
      classCounts: [...(options.classCounts ?? RENAL_ATTRIBUTE_CLASSES)],
      hidden: options.hidden ?? 0,
      dropout: options.dropout ?? 0,
    };
    const { inFeatures, classCounts, hidden } = this.config;
    if (classCounts.length === 0 || classCounts.some((c) => !Number.isInteger(c) || c < 2)) {
      throw new ResNet3dConfigError(`classCounts must be integers ≥ 2, got ${JSON.stringify(classCounts)}`);
    }
    const rng = new Rng(seed);
    this.dropoutRng = new Rng((seed ^ 0x9e3779b9) >>> 0);
    classCounts.forEach((classes, k) => {
      if (hidden > 0) {
        addLinear(this.params, rng, `heads.${k}.hidden`, inFeatures, hidden);
        addLinear(this.params, rng, `heads.${k}.out`, hidden, classes);
      } else {
        addLinear(this.params, rng, `heads.${k}`, inFeatures, classes);
      }
    });
  }

  /** Rebuilds the heads from {@link AttributeHeads.getConfig}'s output. */
  static fromConfig(config: AttributeHeadsConfig, seed = 0): AttributeHeads {
    return new AttributeHeads(config, seed);
  }

  /** The configuration as a plain JSON-safe object. */
  getConfig(): AttributeHeadsConfig {
    return structuredClone(this.config);
  }

  /** Logits per attribute, `[N, classCounts[k]]` each, from features `[N, inFeatures]`. */
  apply(features: tf.Tensor, options: { training?: boolean; checkFinite?: boolean } = {}): tf.Tensor2D[] {
    checkFeatures(features, 'AttributeHeads features', this.config.inFeatures, options.checkFinite);
    const training = options.training ?? false;
    const { hidden, dropout: rate } = this.config;
    // Dropout masks come from the head's own seeded generator, so seeded training is reproducible.
    const mask = () => (training && rate > 0 ? this.dropoutRng.nextUint32() : undefined);
    return tf.tidy(() =>
      this.config.classCounts.map((_, k) => {
        const x = dropout(features as tf.Tensor2D, rate, training, mask());
        if (hidden === 0) return linear(this.params, `heads.${k}`, x);
        const h = dropout(tf.relu(linear(this.params, `heads.${k}.hidden`, x)), rate, training, mask());
        return linear(this.params, `heads.${k}.out`, h);
      }),
    );
  }
}
