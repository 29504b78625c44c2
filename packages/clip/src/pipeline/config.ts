import { readFileSync } from 'node:fs';
import { MAX_LOG_LOGIT_SCALE, MIN_LOG_LOGIT_SCALE } from 'renal-clip-loss';

/** Sizes and schedules of the whole pipeline; `tiny` (demo, CI) and `paper` share the code. */
export interface PipelineConfig {
  preset: 'tiny' | 'paper';
  /** The cached crop `[D, H, W]` (a margin around the model input, for random crops). */
  cacheShape: [number, number, number];
  /** The model input `[D, H, W]` (train: random crop of the cached crop; eval: centre crop). */
  inputShape: [number, number, number];
  /**
   * Stage 3 (the ten tasks) resizes the box's depth straight to the input's — the paper resizes to 32 slices
   * downstream against 40 in pre-training — so its centre crop holds the whole box in depth; `false` crops stage
   * 3's input out of the pre-training cache like every other stage. See {@link downstreamConfig}.
   */
  downstreamWholeDepth: boolean;
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
  /**
   * A second, close-up view for the image encoder, as a fraction of the model input along each axis (0.5: the
   * central half of the box, e.g. 50 mm of a 100 mm box): those central voxels, at the same resolution, go
   * through the same backbone, and their pooled features follow the whole input's — the features are twice the
   * backbone's width. No trainable weights are added; the view keeps batch-norm statistics of its own. 0: the
   * whole input only, as the paper. See {@link ImageModel.features}.
   */
  centreView: number;
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
    /**
     * The contrastive logit scale (1 / temperature) at the start of stage 2, from 1 to 100 (renal-clip-loss's
     * clamp); both presets start from CLIP's 1 / 0.07.
     */
    logitScale: number;
    /** Whether the logit scale is learnt (CLIP, both presets) or stays fixed at `logitScale` (as ConVIRT). */
    learnLogitScale: boolean;
    /**
     * Steps of a projection refit after joint training (0: none, as the paper): the projection alone re-fitted
     * on the frozen `best` backbone at the fixed scale `refitLogitScale`. The backbone and every stage-3 feature
     * stay as they were; the shared space that zero-shot and retrieval read changes.
     */
    refitSteps: number;
    /**
     * The refit's fixed logit scale, from 1 to 100. A low scale treats near-identical reports as soft
     * negatives rather than hard ones, and so keeps the coarse directions the prompts test (malignant against
     * benign) where a few hundred reports differ mostly in size, side and position.
     */
    refitLogitScale: number;
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
 * The tiny preset: ResNet-18 at widths 8–64 on 16×64×64 crops of a 100 mm box around the tumour (or kidney)
 * centre (1.56 mm in-plane, 6.25 mm slices) — minutes on two cores. The box is the paper's 140×140×160 mm cut
 * to a few hundred kidneys' worth: it shows the whole mass and the kidney around it, which the R.E.N.A.L. parts
 * and the mass's size need. A lesion-sized 50 mm box at 8×32×32 (the preset before) read malignancy better on
 * the seeds it was chosen on, but not on held-out seeds, and lost on the other eight tasks (the package
 * README). The random affine stays; the paper's intensity augmentation is off; stage 2 ends with a projection
 * refit at a low fixed temperature.
 */
export const TINY_CONFIG: PipelineConfig = {
  preset: 'tiny',
  cacheShape: [20, 70, 70],
  inputShape: [16, 64, 64],
  downstreamWholeDepth: false,
  boxMm: [100, 100, 100],
  window: [50, 500],
  // No intensity augmentation: the synthetic masses differ mainly in attenuation and enhancement, which the
  // paper's gamma in [0.5, 2] remaps beyond recognition; a from-scratch CNN on ~210 masses then learns them
  // far less well (PyTorch probe 0.77 → 0.64; the package README).
  augment: { affine: { rotateDeg: 10, scale: 0.1 }, intensity: false },
  widths: [8, 16, 32, 64],
  // Off: a second view of the central 50 mm raised zero-shot and RFS but cost retrieval (the package README).
  centreView: 0,
  embedDim: 128,
  image: { epochs: 16, batchSize: 8, lr: 2e-3, weightDecay: 0.005, maxClassWeight: 3 },
  text: { mntpSteps: 90, simcseSteps: 25, batchSize: 16, lr: 1e-3, shuffles: 4 },
  align: {
    epochs: 7,
    batchSize: 32,
    backboneLr: 3e-4,
    headLr: 2e-3,
    weightDecay: 0.01,
    clipNorm: 1,
    headWarmupSteps: 300,
    logitScale: 1 / 0.07,
    learnLogitScale: true,
    // At CLIP's learnt scale (it ends near 25) the projection of ~360 kidneys keeps less of the malignant-versus-
    // benign direction the prompts test; a refit at ConVIRT's temperature 0.1 recovers part of it without
    // costing retrieval, which lower scales do (the package README).
    refitSteps: 300,
    refitLogitScale: 10,
  },
  task: { epochs: 60, batchSize: 64, lr: 3e-3, weightDecay: 0.01, hidden: 32 },
  finetune: { epochs: 4, batchSize: 8, lr: 1e-3, backboneLr: 3e-4 },
  dataEfficiency: { fractions: [0.05, 0.1, 0.2, 0.4, 0.8, 1], seeds: 3 },
  bootstrap: 500,
};

/**
 * The paper's sizes: 32×128×128 crops of the box resized to 40 slices in pre-training and to 32 for the ten tasks,
 * ResNet-18 at 64–512, 4096-d embeddings, the paper's epochs.
 */
export const PAPER_CONFIG: PipelineConfig = {
  preset: 'paper',
  cacheShape: [40, 140, 140],
  inputShape: [32, 128, 128],
  downstreamWholeDepth: true,
  boxMm: [140, 140, 160],
  window: [50, 500],
  augment: { affine: { rotateDeg: 10, scale: 0.1 }, intensity: true },
  widths: [64, 128, 256, 512],
  centreView: 0,
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
    logitScale: 1 / 0.07,
    learnLogitScale: true,
    refitSteps: 0,
    refitLogitScale: 10,
  },
  task: { epochs: 100, batchSize: 64, lr: 1e-3, weightDecay: 0.01, hidden: 128 },
  finetune: { epochs: 30, batchSize: 8, lr: 1e-3, backboneLr: 1e-4 },
  dataEfficiency: { fractions: [0.05, 0.1, 0.2, 0.4, 0.8, 1], seeds: 5 },
  bootstrap: 1000,
};

/**
 * The `[D, H, W]` of a config's {@link PipelineConfig.centreView} — the central fraction of the model input,
 * at least one voxel along each axis — or `null` when it is off.
 */
export function centreViewShape(config: PipelineConfig): [number, number, number] | null {
  if (config.centreView <= 0) return null;
  const [depth, height, width] = config.inputShape.map((size) =>
    Math.max(1, Math.round(size * config.centreView)),
  );
  return [depth, height, width];
}

/**
 * The config stage 3 crops with: with `downstreamWholeDepth`, the cached crop's depth is the input's (the paper's
 * 140×140×32 downstream resize, against 140×140×40 in pre-training); otherwise the config itself.
 */
export function downstreamConfig(config: PipelineConfig): PipelineConfig {
  if (!config.downstreamWholeDepth) return config;
  const [, height, width] = config.cacheShape;
  return { ...config, cacheShape: [config.inputShape[0], height, width] };
}

/** A partial {@link PipelineConfig}: any nested field may be left out (what a `--config` file holds). */
export type PipelineConfigOverrides = {
  [K in keyof PipelineConfig]?: PipelineConfig[K] extends readonly number[]
    ? PipelineConfig[K]
    : PipelineConfig[K] extends object
      ? Partial<PipelineConfig[K]>
      : PipelineConfig[K];
};

/** A config override that does not fit the config: names its source (a file, or "overrides") and the key. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly key: string,
    problem: string,
  ) {
    super(`${source}: ${key ? `"${key}" ` : ''}${problem}`);
  }
}

/**
 * The config of a preset name with overrides deep-merged into it: nested objects are merged key by key, arrays
 * and numbers replace the preset's. Unknown keys, wrong kinds and impossible values (an input larger than the
 * cached crop, a non-positive size) are a {@link ConfigError} naming `source` and the key.
 */
export function pipelineConfig(
  preset: string,
  overrides: PipelineConfigOverrides = {},
  source = 'overrides',
): PipelineConfig {
  if (preset !== 'tiny' && preset !== 'paper')
    throw new RangeError(`unknown preset "${preset}" (expected tiny or paper)`);
  const base = structuredClone(preset === 'tiny' ? TINY_CONFIG : PAPER_CONFIG);
  const merged = mergeInto(base, overrides, source, '') as PipelineConfig;
  checkConfig(merged, source);
  return merged;
}

/**
 * Reads a JSON file of {@link PipelineConfigOverrides} (for `--config`): a missing file, invalid JSON or a
 * value that is not an object is a {@link ConfigError} naming the file. The keys are checked when the
 * overrides are merged by {@link pipelineConfig}.
 */
export function readConfigOverrides(path: string): PipelineConfigOverrides {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, '', `cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, '', `is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) throw new ConfigError(path, '', 'must hold a JSON object of config overrides');
  return value as PipelineConfigOverrides;
}

/** Fields whose arrays have a fixed length (shapes, boxes, windows, widths). */
const TUPLE_LENGTHS: Record<string, number> = {
  cacheShape: 3,
  inputShape: 3,
  boxMm: 3,
  window: 2,
  widths: 4,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeInto(base: unknown, override: unknown, source: string, key: string): unknown {
  if (override === undefined) return base;
  if (isPlainObject(base) || (base === false && key === 'augment.affine')) {
    if (override === false && key === 'augment.affine') return false;
    if (!isPlainObject(override)) throw new ConfigError(source, key, 'must be an object');
    // Switching the affine augmentation back on starts from the tiny preset's ranges.
    const target = isPlainObject(base) ? base : { ...(TINY_CONFIG.augment.affine as object) };
    for (const [name, value] of Object.entries(override)) {
      const path = key ? `${key}.${name}` : name;
      if (!(name in target)) throw new ConfigError(source, path, 'is not a pipeline config key');
      target[name] = mergeInto(target[name], value, source, path);
    }
    return target;
  }
  if (Array.isArray(base)) {
    if (!Array.isArray(override) || !override.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new ConfigError(source, key, 'must be an array of numbers');
    const length = TUPLE_LENGTHS[key];
    if (length !== undefined && override.length !== length)
      throw new ConfigError(source, key, `must hold ${length} numbers, got ${override.length}`);
    return [...override];
  }
  if (key === 'preset') throw new ConfigError(source, key, 'is chosen by the preset name, not overridden');
  if (typeof base !== typeof override)
    throw new ConfigError(source, key, `must be a ${typeof base}, got ${JSON.stringify(override)}`);
  return override;
}

/**
 * How a config differs from its preset, one `key value` entry per changed field (arrays whole), e.g.
 * `image.epochs 16` or `boxMm [50,50,50]`; empty for the preset itself.
 */
export function configDifferences(config: PipelineConfig): string[] {
  const preset = config.preset === 'paper' ? PAPER_CONFIG : TINY_CONFIG;
  const differences: string[] = [];
  const walk = (value: unknown, reference: unknown, key: string) => {
    if (isPlainObject(value) && isPlainObject(reference)) {
      for (const name of Object.keys(value))
        walk(value[name], reference[name], key ? `${key}.${name}` : name);
    } else if (JSON.stringify(value) !== JSON.stringify(reference)) {
      differences.push(`${key} ${JSON.stringify(value)}`);
    }
  };
  walk(config, preset, '');
  return differences;
}

/** Every numeric leaf of a config with its dotted key. */
function numericLeaves(value: unknown, key = ''): [string, number][] {
  if (typeof value === 'number') return [[key, value]];
  if (Array.isArray(value)) return value.flatMap((v) => numericLeaves(v, key));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([name, v]) => numericLeaves(v, key ? `${key}.${name}` : name));
  return [];
}

/** Values no run could use, caught before any training starts. */
function checkConfig(config: PipelineConfig, source: string): void {
  // Rates, decays, sizes and counts are never negative; only the window level (in HU) may be.
  for (const [key, value] of numericLeaves(config))
    if (key !== 'window' && !(value >= 0))
      throw new ConfigError(source, key, `must not be negative, got ${value}`);
  const positiveIntegers: [string, number[]][] = [
    ['cacheShape', config.cacheShape],
    ['inputShape', config.inputShape],
    ['widths', config.widths],
    ['embedDim', [config.embedDim]],
    ['image.epochs', [config.image.epochs]],
    ['image.batchSize', [config.image.batchSize]],
    ['align.epochs', [config.align.epochs]],
    ['align.batchSize', [config.align.batchSize]],
    ['task.epochs', [config.task.epochs]],
    ['task.batchSize', [config.task.batchSize]],
    ['task.hidden', [config.task.hidden]],
    ['finetune.epochs', [config.finetune.epochs]],
    ['finetune.batchSize', [config.finetune.batchSize]],
    ['text.batchSize', [config.text.batchSize]],
    ['dataEfficiency.seeds', [config.dataEfficiency.seeds]],
  ];
  for (const [key, values] of positiveIntegers)
    if (!values.every((v) => Number.isInteger(v) && v >= 1))
      throw new ConfigError(source, key, `must be positive integers, got ${JSON.stringify(values)}`);
  config.inputShape.forEach((size, axis) => {
    if (size > config.cacheShape[axis])
      throw new ConfigError(
        source,
        'inputShape',
        `[${config.inputShape}] does not fit in the cached crop cacheShape [${config.cacheShape}]`,
      );
  });
  if (!(config.centreView < 1))
    throw new ConfigError(
      source,
      'centreView',
      `must be a fraction below 1 (0: off), got ${config.centreView}`,
    );
  if (!config.boxMm.every((v) => v > 0))
    throw new ConfigError(source, 'boxMm', 'must be positive millimetres');
  if (!(config.window[1] > 0))
    throw new ConfigError(source, 'window', 'needs a positive width (level, width)');
  if (!config.dataEfficiency.fractions.every((f) => f > 0 && f <= 1))
    throw new ConfigError(source, 'dataEfficiency.fractions', 'must lie in (0, 1]');
  const [minScale, maxScale] = [Math.exp(MIN_LOG_LOGIT_SCALE), Math.exp(MAX_LOG_LOGIT_SCALE)];
  for (const key of ['logitScale', 'refitLogitScale'] as const) {
    const scale = config.align[key];
    if (!(scale >= minScale && scale <= maxScale * (1 + 1e-9)))
      throw new ConfigError(
        source,
        `align.${key}`,
        `must lie in [${minScale}, ${Math.round(maxScale)}] (the clamp of the logit scale), got ${scale}`,
      );
  }
}
