import { tf } from 'renal-core';
import { AttributeHeads, type Module, ProjectionHead, ResNet3d } from 'renal-resnet3d';
import { ATTRIBUTE_CLASSES } from '../data/manifest.js';
import type { PipelineConfig } from './config.js';

/**
 * RenalCLIP's image side: a 3-D ResNet-18 backbone (shortcut A), the 14 attribute heads of stage 1 and the
 * projection into the text space of stage 2. Tensor names in checkpoints: `backbone.*`, `attributes.*`,
 * `projection.*` followed by the PyTorch state-dict names.
 */
export class ImageModel {
  readonly backbone: ResNet3d;
  readonly attributes: AttributeHeads;
  readonly projection: ProjectionHead;

  constructor(
    readonly config: PipelineConfig,
    seed = 0,
  ) {
    this.backbone = new ResNet3d({ depth: 18, shortcut: 'A', widths: config.widths, inChannels: 1 }, seed);
    const inFeatures = this.backbone.featureWidth;
    this.attributes = new AttributeHeads(
      { inFeatures, classCounts: [...ATTRIBUTE_CLASSES], dropout: 0.1 },
      seed + 1,
    );
    this.projection = new ProjectionHead({ inFeatures, outFeatures: config.embedDim }, seed + 2);
  }

  /** Width of the pooled features. */
  get featureWidth(): number {
    return this.backbone.featureWidth;
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
    return out;
  }

  /** Pooled features `[N, F]` of a batch `[N, D, H, W, 1]`. */
  features(x: tf.Tensor5D, training = false): tf.Tensor2D {
    return this.backbone.apply(x, { training, checkFinite: false });
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
  }
}

/** Stacks model inputs `[D, H, W]` into a batch tensor `[N, D, H, W, 1]`. */
export function toBatch(inputs: Float32Array[], shape: readonly [number, number, number]): tf.Tensor5D {
  const [D, H, W] = shape;
  const size = D * H * W;
  const data = new Float32Array(inputs.length * size);
  for (const [i, x] of inputs.entries()) data.set(x, i * size);
  return tf.tensor5d(data, [inputs.length, D, H, W, 1]);
}
