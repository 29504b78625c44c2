import { ResNet3dConfigError } from './errors.js';

/** Per-axis triple (depth, height, width). */
export type Triple3 = [number, number, number];

/** Network depths the builder knows. 10/18/34 use BasicBlock, 50/101/152 Bottleneck. */
export type ResNetDepth = 10 | 18 | 34 | 50 | 101 | 152;

/**
 * How a residual block matches shapes when it changes stride or width.
 * `A`: parameter-free — strided subsample plus zero-padded channels (RenalCLIP, the original 3D-ResNets).
 * `B`: a 1×1×1 convolution plus batch norm (MedicalNet, MONAI's default).
 */
export type ShortcutType = 'A' | 'B';

/** The residual block kind. */
export type BlockKind = 'basic' | 'bottleneck';

/** A complete, resolved backbone configuration: what `getConfig()` returns and `fromConfig()` takes. */
export interface ResNet3dConfig {
  depth: ResNetDepth;
  shortcut: ShortcutType;
  /** Input channels (e.g. 1 for one CT phase, 4 for four phases stacked). */
  inChannels: number;
  /** Planes of the four stages before the bottleneck expansion; the stem outputs `widths[0]` channels. */
  widths: [number, number, number, number];
  /** Stem convolution kernel (depth, height, width). */
  stemKernel: Triple3;
  /** Stem convolution stride. */
  stemStride: Triple3;
  /** Whether the stem ends with a 3×3×3, stride-2 max-pool. */
  maxPool: boolean;
  /** Batch-norm running-statistics momentum, PyTorch convention (new = (1 − m)·old + m·batch). */
  bnMomentum: number;
  /** Batch-norm epsilon. */
  bnEpsilon: number;
  /**
   * Whether the type-A shortcut passes no gradient when it downsamples — what the reference
   * implementations do (they concatenate `out.data`), so training matches them. Default true.
   */
  detachShortcutA: boolean;
  /** Whether the type-B shortcut convolution has a bias (MONAI's `bias_downsample`, default there). Default false. */
  downsampleBias: boolean;
  /** Stride of each stage's first block. Default [1, 2, 2, 2]; MedicalNet uses [1, 2, 1, 1]. */
  layerStrides: Triple4;
  /** Dilation of each stage's 3×3×3 convolutions. Default [1, 1, 1, 1]; MedicalNet uses [1, 1, 2, 4]. */
  layerDilations: Triple4;
}

/** Options of {@link resolveResNet3dConfig}: any subset of the configuration, plus a widen factor. */
export interface ResNet3dOptions extends Partial<Omit<ResNet3dConfig, 'stemKernel' | 'stemStride'>> {
  /** Multiplies the default widths 64, 128, 256, 512 (ignored when `widths` is given). Default 1. */
  widenFactor?: number;
  /** Stem kernel; a number applies to all three axes. Default 7. */
  stemKernel?: number | Triple3;
  /** Stem stride; a number applies to all three axes. Default 2. */
  stemStride?: number | Triple3;
}

/** Blocks per stage and block kind of each depth. */
export const RESNET_LAYOUTS: Readonly<Record<ResNetDepth, { blocks: Triple4; kind: BlockKind }>> = {
  10: { blocks: [1, 1, 1, 1], kind: 'basic' },
  18: { blocks: [2, 2, 2, 2], kind: 'basic' },
  34: { blocks: [3, 4, 6, 3], kind: 'basic' },
  50: { blocks: [3, 4, 6, 3], kind: 'bottleneck' },
  101: { blocks: [3, 4, 23, 3], kind: 'bottleneck' },
  152: { blocks: [3, 8, 36, 3], kind: 'bottleneck' },
};

/** Four per-stage numbers. */
export type Triple4 = [number, number, number, number];

/** Channel expansion of a block kind (the block's output is `planes × expansion`). */
export function expansionOf(kind: BlockKind): number {
  return kind === 'bottleneck' ? 4 : 1;
}

const DEFAULT_WIDTHS: Triple4 = [64, 128, 256, 512];

function toTriple(value: number | Triple3, what: string): Triple3 {
  const t: Triple3 = typeof value === 'number' ? [value, value, value] : [...value];
  if (t.length !== 3 || t.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new ResNet3dConfigError(
      `${what} must be a positive integer or three of them, got ${JSON.stringify(value)}`,
    );
  }
  return t;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ResNet3dConfigError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

function stageNumbers(values: readonly number[], what: string): Triple4 {
  if (values.length !== 4) throw new ResNet3dConfigError(`${what} must have 4 entries, got ${values.length}`);
  for (const [i, v] of values.entries()) positiveInteger(v, `${what}[${i}]`);
  return [...values] as Triple4;
}

/**
 * Fills in defaults (ResNet-18, shortcut A, one input channel, widths 64–512, 7³ stride-2 stem, max-pool,
 * PyTorch batch-norm settings) and validates. Throws {@link ResNet3dConfigError} on anything unbuildable.
 */
export function resolveResNet3dConfig(options: ResNet3dOptions = {}): ResNet3dConfig {
  const depth = options.depth ?? 18;
  if (!(depth in RESNET_LAYOUTS)) {
    throw new ResNet3dConfigError(
      `depth must be one of ${Object.keys(RESNET_LAYOUTS).join(', ')}, got ${depth}`,
    );
  }
  const shortcut = options.shortcut ?? 'A';
  if (shortcut !== 'A' && shortcut !== 'B') {
    throw new ResNet3dConfigError(`shortcut must be 'A' or 'B', got ${JSON.stringify(shortcut)}`);
  }
  const widen = options.widenFactor ?? 1;
  const widths = options.widths ?? (DEFAULT_WIDTHS.map((w) => Math.round(w * widen)) as Triple4);
  if (widths.length !== 4) throw new ResNet3dConfigError(`widths must have 4 entries, got ${widths.length}`);
  for (const [i, w] of widths.entries()) positiveInteger(w, `widths[${i}]`);
  const momentum = options.bnMomentum ?? 0.1;
  const epsilon = options.bnEpsilon ?? 1e-5;
  if (!(momentum >= 0 && momentum <= 1))
    throw new ResNet3dConfigError(`bnMomentum must be in [0, 1], got ${momentum}`);
  if (!(epsilon > 0)) throw new ResNet3dConfigError(`bnEpsilon must be positive, got ${epsilon}`);
  const config: ResNet3dConfig = {
    depth,
    shortcut,
    inChannels: positiveInteger(options.inChannels ?? 1, 'inChannels'),
    widths: [...widths] as Triple4,
    stemKernel: toTriple(options.stemKernel ?? 7, 'stemKernel'),
    stemStride: toTriple(options.stemStride ?? 2, 'stemStride'),
    maxPool: options.maxPool ?? true,
    bnMomentum: momentum,
    bnEpsilon: epsilon,
    detachShortcutA: options.detachShortcutA ?? true,
    downsampleBias: options.downsampleBias ?? false,
    layerStrides: stageNumbers(options.layerStrides ?? [1, 2, 2, 2], 'layerStrides'),
    layerDilations: stageNumbers(options.layerDilations ?? [1, 1, 1, 1], 'layerDilations'),
  };
  config.layerStrides.forEach((s, i) => {
    if (s > 1 && config.layerDilations[i] > 1) {
      throw new ResNet3dConfigError(
        `stage ${i + 1} cannot both stride (${s}) and dilate (${config.layerDilations[i]})`,
      );
    }
  });
  return config;
}

/** One residual block of the resolved network. */
export interface BlockPlan {
  /** State-dict prefix, e.g. `layer2.0`. */
  prefix: string;
  kind: BlockKind;
  inChannels: number;
  planes: number;
  outChannels: number;
  stride: number;
  /** Dilation of the block's 3×3×3 convolutions (MedicalNet's later stages). */
  dilation: number;
  /** Whether the block needs a shortcut projection (stride ≠ 1 or width change). */
  downsample: boolean;
}

/** The blocks of a configuration, in order — the single source of truth for names and shapes. */
export function planBlocks(config: ResNet3dConfig): BlockPlan[] {
  const { blocks, kind } = RESNET_LAYOUTS[config.depth];
  const expansion = expansionOf(kind);
  const plans: BlockPlan[] = [];
  let inChannels = config.widths[0];
  for (let stage = 0; stage < 4; stage++) {
    const planes = config.widths[stage];
    for (let b = 0; b < blocks[stage]; b++) {
      const stride = b === 0 ? config.layerStrides[stage] : 1;
      const outChannels = planes * expansion;
      plans.push({
        prefix: `layer${stage + 1}.${b}`,
        kind,
        inChannels,
        planes,
        outChannels,
        stride,
        dilation: config.layerDilations[stage],
        downsample: stride !== 1 || inChannels !== outChannels,
      });
      inChannels = outChannels;
    }
  }
  return plans;
}

/** Width of the pooled feature vector: the last stage's planes times the block expansion. */
export function featureWidth(config: ResNet3dConfig): number {
  return config.widths[3] * expansionOf(RESNET_LAYOUTS[config.depth].kind);
}
