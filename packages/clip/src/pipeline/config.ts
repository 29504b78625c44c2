/** Sizes and schedules of the whole pipeline; `tiny` (demo, CI) and `paper` share the code. */
export interface PipelineConfig {
  preset: 'tiny' | 'paper';
  /** The cached crop `[D, H, W]` (a margin around the model input, for random crops). */
  cacheShape: [number, number, number];
  /** The model input `[D, H, W]` (train: random crop of the cached crop; eval: centre crop). */
  inputShape: [number, number, number];
  /** Box around the kidney (or tumour) centre in millimetres along R, A, S (the paper's 140×140×160). */
  boxMm: [number, number, number];
  /** CT window: level and width in HU (the paper's 50 / 500). */
  window: [number, number];
  /**
   * Training augmentations of stages 1 and 2: the paper's random affine in the axial plane (rotation, scale;
   * `false` off) and its intensity scale/shift ±0.1 with gamma in [0.5, 2] (`intensity`). Random crop position
   * is always on in training.
   */
  augment: { affine: { rotateDeg: number; scale: number } | false; intensity: boolean };
  /** ResNet3d backbone widths (ResNet-18, shortcut A). */
  widths: [number, number, number, number];
  /** Shared embedding width (projection head output; the text embedding width). */
  embedDim: number;
  /** `maxClassWeight` caps the balanced class weights (a class seen twice would otherwise weigh ~20×). */
  image: { epochs: number; batchSize: number; lr: number; weightDecay: number; maxClassWeight: number };
  /**
   * Stage 1 text (LLM2Vec): MNTP then SimCSE, each for a number of optimiser steps (the LLM2Vec paper's
   * convention: 1000 + 1000), not epochs — how far a small encoder trains, and how much SimCSE reshapes what
   * MNTP learnt, should not change with the cohort's size.
   */
  text: { mntpSteps: number; simcseSteps: number; batchSize: number; lr: number; shuffles: number };
  align: {
    epochs: number;
    batchSize: number;
    backboneLr: number;
    headLr: number;
    weightDecay: number;
    clipNorm: number;
    /**
     * Steps that first fit only the projection and logit scale on frozen backbone features (cheap: features
     * are computed once per phase) before the joint fine-tuning — a CPU-budget measure; 0 turns it off.
     */
    headWarmupSteps: number;
  };
  task: { epochs: number; batchSize: number; lr: number; weightDecay: number; hidden: number };
  /**
   * Stage 3 by full fine-tuning (`--finetune`): encoder + head trained end to end per classification task, the
   * backbone at `backboneLr`, the head at `lr` (head width and weight decay from `task`).
   */
  finetune: { epochs: number; batchSize: number; lr: number; backboneLr: number };
  dataEfficiency: { fractions: number[]; seeds: number };
  bootstrap: number;
}

/**
 * The tiny preset: 16×64×64 crops, ResNet-18 at widths 8–64, a few epochs — minutes on two cores. Its box is
 * 100 mm (not the paper's 140×140×160) so that at 64 pixels a mass still spans enough of them.
 */
export const TINY_CONFIG: PipelineConfig = {
  preset: 'tiny',
  cacheShape: [20, 70, 70],
  inputShape: [16, 64, 64],
  boxMm: [100, 100, 100],
  window: [50, 500],
  augment: { affine: { rotateDeg: 10, scale: 0.1 }, intensity: true },
  widths: [8, 16, 32, 64],
  embedDim: 128,
  image: { epochs: 8, batchSize: 8, lr: 2e-3, weightDecay: 0.005, maxClassWeight: 3 },
  text: { mntpSteps: 90, simcseSteps: 25, batchSize: 16, lr: 1e-3, shuffles: 4 },
  align: {
    epochs: 7,
    batchSize: 32,
    backboneLr: 3e-4,
    headLr: 2e-3,
    weightDecay: 0.01,
    clipNorm: 1,
    headWarmupSteps: 300,
  },
  task: { epochs: 60, batchSize: 64, lr: 3e-3, weightDecay: 0.01, hidden: 32 },
  finetune: { epochs: 4, batchSize: 8, lr: 1e-3, backboneLr: 3e-4 },
  dataEfficiency: { fractions: [0.05, 0.1, 0.2, 0.4, 0.8, 1], seeds: 3 },
  bootstrap: 500,
};

/** The paper's sizes: 32×128×128 crops, ResNet-18 at 64–512, 4096-d embeddings, the paper's epochs. */
export const PAPER_CONFIG: PipelineConfig = {
  preset: 'paper',
  cacheShape: [40, 140, 140],
  inputShape: [32, 128, 128],
  boxMm: [140, 140, 160],
  window: [50, 500],
  augment: { affine: { rotateDeg: 10, scale: 0.1 }, intensity: true },
  widths: [64, 128, 256, 512],
  embedDim: 4096,
  image: {
    epochs: 200,
    batchSize: 8,
    lr: 5e-4,
    weightDecay: 0.005,
    maxClassWeight: Number.POSITIVE_INFINITY,
  },
  text: { mntpSteps: 1000, simcseSteps: 1000, batchSize: 16, lr: 2e-4, shuffles: 4 },
  align: {
    epochs: 100,
    batchSize: 32,
    backboneLr: 1e-5,
    headLr: 5e-4,
    weightDecay: 0.01,
    clipNorm: 1,
    headWarmupSteps: 0,
  },
  task: { epochs: 100, batchSize: 64, lr: 1e-3, weightDecay: 0.01, hidden: 128 },
  finetune: { epochs: 30, batchSize: 8, lr: 1e-3, backboneLr: 1e-4 },
  dataEfficiency: { fractions: [0.05, 0.1, 0.2, 0.4, 0.8, 1], seeds: 5 },
  bootstrap: 1000,
};

/** The config of a preset name, with optional overrides. */
export function pipelineConfig(preset: string, overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  if (preset !== 'tiny' && preset !== 'paper')
    throw new RangeError(`unknown preset "${preset}" (expected tiny or paper)`);
  return { ...structuredClone(preset === 'tiny' ? TINY_CONFIG : PAPER_CONFIG), ...overrides };
}
