import { tf } from 'renal-core';
import { AttributeHeads, type Module, ProjectionHead, ResNet3d } from 'renal-resnet3d';
import { ATTRIBUTE_CLASSES } from '../data/manifest.js';
import { centreViewShape, type PipelineConfig } from './config.js';

/** Checkpoint names of the centre view's batch-norm statistics start with this (see {@link ImageModel}). */
export const CENTRE_VIEW_PREFIX = 'backbone.centre_view.';

/**
 * RenalCLIP's image side: a 3-D ResNet-18 backbone (shortcut A), the 14 attribute heads of stage 1 and the
 * projection into the text space of stage 2. Tensor names in checkpoints: `backbone.*`, `attributes.*`,
 * `projection.*` followed by the PyTorch state-dict names; with a centre view, the backbone's batch-norm
 * statistics of that view are `backbone.centre_view.*` (see {@link ImageModel.features}).
 */
export class ImageModel {
  readonly backbone: ResNet3d;
  readonly attributes: AttributeHeads;
  readonly projection: ProjectionHead;
  /** The second view's `[D, H, W]` (see {@link PipelineConfig.centreView}); `null` without one. */
  readonly centreView: [number, number, number] | null;
  /** The centre view's batch-norm running statistics, by the backbone's parameter name (empty without a view). */
  private readonly centreStats = new Map<string, tf.Variable>();

  constructor(
    readonly config: PipelineConfig,
    seed = 0,
  ) {
    this.centreView = centreViewShape(config);
    this.backbone = new ResNet3d({ depth: 18, shortcut: 'A', widths: config.widths, inChannels: 1 }, seed);
    const inFeatures = this.featureWidth;
    this.attributes = new AttributeHeads(
      { inFeatures, classCounts: [...ATTRIBUTE_CLASSES], dropout: 0.1 },
      seed + 1,
    );
    this.projection = new ProjectionHead({ inFeatures, outFeatures: config.embedDim }, seed + 2);
    if (this.centreView) {
      for (const [name, entry] of this.backbone.params.entries)
        if (!entry.trainable) this.centreStats.set(name, tf.variable(entry.variable, false));
    }
  }

  /** Width of the pooled features: the backbone's, twice over with a {@link PipelineConfig.centreView}. */
  get featureWidth(): number {
    return this.backbone.featureWidth * (this.centreView ? 2 : 1);
  }

  /** Every tensor (weights and batch-norm statistics) under its checkpoint name. */
  params(
    parts: ('backbone' | 'attributes' | 'projection')[] = ['backbone', 'attributes', 'projection'],
  ): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    const modules: Record<string, Module<unknown>> = {
      backbone: this.backbone,
      attributes: this.attributes,
      projection: this.projection,
    };
    for (const part of parts) {
      for (const [name, entry] of modules[part].params.entries) out[`${part}.${name}`] = entry.variable;
    }
    if (parts.includes('backbone'))
      for (const [name, variable] of this.centreStats) out[`${CENTRE_VIEW_PREFIX}${name}`] = variable;
    return out;
  }

  /**
   * Sets the centre view's batch-norm statistics to the whole input's — for weights that come without them
   * (a PyTorch state dict, a checkpoint of a model without the view).
   */
  resetCentreStats(): void {
    for (const [name, variable] of this.centreStats) variable.assign(this.backbone.params.get(name));
  }

  /**
   * Pooled features `[N, F]` of a batch `[N, D, H, W, 1]`. With a {@link PipelineConfig.centreView}, the batch's
   * central voxels go through the same backbone as a second view, and its features follow the whole input's.
   * The two views share every weight but keep batch-norm running statistics of their own: a close-up of the
   * mass is not distributed as the whole box is, and statistics averaged over both would fit neither at
   * evaluation.
   */
  features(x: tf.Tensor5D, training = false): tf.Tensor2D {
    const view = this.centreView;
    if (!view) return this.backbone.apply(x, { training, checkFinite: false });
    return tf.tidy(() => {
      const whole = this.backbone.apply(x, { training, checkFinite: false });
      this.swapCentreStats();
      try {
        const centre = this.backbone.apply(centralCrop(x, view), { training, checkFinite: false });
        return tf.concat([whole, centre], 1);
      } finally {
        this.swapCentreStats();
      }
    });
  }

  /** Exchanges the backbone's batch-norm statistics with the centre view's (training updates whichever is in). */
  private swapCentreStats(): void {
    tf.tidy(() => {
      for (const [name, centre] of this.centreStats) {
        const own = this.backbone.params.get(name);
        const saved = tf.clone(own);
        own.assign(centre);
        centre.assign(saved);
      }
    });
  }

  /** Copies every tensor of `parts` from another model of the same shape (e.g. stage 1 → stage 2). */
  copyFrom(other: ImageModel, parts: ('backbone' | 'attributes' | 'projection')[] = ['backbone']): void {
    const mine = this.params(parts);
    const theirs = other.params(parts);
    for (const [name, variable] of Object.entries(mine)) variable.assign(theirs[name]);
  }

  /** Frees every variable. */
  dispose(): void {
    this.backbone.dispose();
    this.attributes.dispose();
    this.projection.dispose();
    for (const variable of this.centreStats.values()) variable.dispose();
    this.centreStats.clear();
  }
}

/** The central `[D, H, W]` voxels of a batch `[N, D, H, W, C]` (odd margins leave the extra voxel at the end). */
export function centralCrop(
  x: tf.Tensor5D,
  [depth, height, width]: readonly [number, number, number],
): tf.Tensor5D {
  const [, D, H, W] = x.shape;
  const begin = [0, (D - depth) >> 1, (H - height) >> 1, (W - width) >> 1, 0];
  return tf.slice(x, begin, [-1, depth, height, width, -1]);
}

/** Stacks model inputs `[D, H, W]` into a batch tensor `[N, D, H, W, 1]`. */
export function toBatch(inputs: Float32Array[], shape: readonly [number, number, number]): tf.Tensor5D {
  const [D, H, W] = shape;
  const size = D * H * W;
  const data = new Float32Array(inputs.length * size);
  for (const [i, x] of inputs.entries()) data.set(x, i * size);
  return tf.tensor5d(data, [inputs.length, D, H, W, 1]);
}
