import type { ResNet3dOptions } from './config.js';

/** A named model size: backbone options, the input volume it expects and the projection width. */
export interface ResNet3dPreset {
  backbone: ResNet3dOptions;
  /** Input `[D, H, W, C]` of one volume. */
  inputShape: [number, number, number, number];
  /** Output width of the projection head (the text embedding width). */
  projectionDim: number;
}

/**
 * `tiny`: ResNet-18 at widths 8–64 on 8×32×32 crops, 128-d projection — demos and CI (the widths of
 * renal-clip's tiny pipeline, which feeds them 16×64×64 crops; the backbone takes any input size).
 * `paper`: RenalCLIP's encoder — ResNet-18, shortcut A, widths 64–512, 7³ stride-2 stem, max-pool,
 * 32×128×128 single-phase crops, 4096-d projection.
 */
export const RESNET3D_PRESETS: Readonly<Record<'tiny' | 'paper', ResNet3dPreset>> = {
  tiny: {
    backbone: { depth: 18, shortcut: 'A', widths: [8, 16, 32, 64], inChannels: 1 },
    inputShape: [8, 32, 32, 1],
    projectionDim: 128,
  },
  paper: {
    backbone: {
      depth: 18,
      shortcut: 'A',
      widths: [64, 128, 256, 512],
      inChannels: 1,
      stemKernel: 7,
      stemStride: 2,
    },
    inputShape: [32, 128, 128, 1],
    projectionDim: 4096,
  },
};
