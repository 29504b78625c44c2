import {
  type BlockKind,
  RESNET_LAYOUTS,
  type ResNet3dConfig,
  type ResNet3dOptions,
  type ResNetDepth,
  type ShortcutType,
  type Triple3,
  type Triple4,
} from '../config.js';

/** What a ResNet state dict's names and shapes say about the network that wrote it. */
export interface InferredArchitecture {
  /** The matching depth, when the block counts and kind match a known one. */
  depth?: ResNetDepth;
  kind: BlockKind;
  blocks: number[];
  shortcut: ShortcutType;
  /** Whether the type-B shortcut convolution has a bias (MONAI). */
  downsampleBias: boolean;
  inChannels?: number;
  stemKernel?: number[];
  widths: number[];
}

/**
 * Reads a backbone's architecture off its (prefix-free, PyTorch-named) state dict: blocks per stage
 * from `layerS.I.*`, bottleneck from `conv3`, shortcut B from `downsample`, widths from `conv1` shapes.
 */
export function inferArchitecture(shapes: ReadonlyMap<string, readonly number[]>): InferredArchitecture {
  const blocks = [0, 0, 0, 0];
  let bottleneck = false;
  let downsample = false;
  let downsampleBias = false;
  for (const name of shapes.keys()) {
    const m = /^layer([1-4])\.(\d+)\.(\w+)/.exec(name);
    if (m === null) continue;
    const stage = Number(m[1]) - 1;
    blocks[stage] = Math.max(blocks[stage], Number(m[2]) + 1);
    if (m[3] === 'conv3') bottleneck = true;
    if (m[3] === 'downsample') downsample = true;
    if (name.endsWith('.downsample.0.bias')) downsampleBias = true;
  }
  const kind: BlockKind = bottleneck ? 'bottleneck' : 'basic';
  const depth = (Object.keys(RESNET_LAYOUTS).map(Number) as ResNetDepth[]).find(
    (d) => RESNET_LAYOUTS[d].kind === kind && RESNET_LAYOUTS[d].blocks.every((b, i) => b === blocks[i]),
  );
  const stem = shapes.get('conv1.weight');
  const widths = [1, 2, 3, 4].map((s) => shapes.get(`layer${s}.0.conv1.weight`)?.[0] ?? 0);
  return {
    depth,
    kind,
    blocks,
    shortcut: downsample ? 'B' : 'A',
    downsampleBias,
    inChannels: stem?.[1],
    stemKernel: stem?.slice(2),
    widths,
  };
}

function describe(a: InferredArchitecture): string {
  const name = a.depth === undefined ? 'an unknown ResNet' : `a ResNet-${a.depth}`;
  return `${name} (${a.kind} blocks [${a.blocks.join(', ')}])`;
}

/** Human explanations of why a state dict does not fit a backbone configuration, most decisive first. */
export function explainMismatch(config: ResNet3dConfig, file: InferredArchitecture): string[] {
  const causes: string[] = [];
  const layout = RESNET_LAYOUTS[config.depth];
  const sameBlocks = file.kind === layout.kind && file.blocks.every((b, i) => b === layout.blocks[i]);
  if (!sameBlocks && file.blocks.some((b) => b > 0)) {
    const fix = file.depth === undefined ? '' : `: build it with depth ${file.depth}`;
    causes.push(
      `the file holds ${describe(file)}, the model is a ResNet-${config.depth} (${layout.kind} blocks [${layout.blocks.join(', ')}])${fix}`,
    );
  }
  if (file.shortcut !== config.shortcut && file.blocks.some((b) => b > 0)) {
    causes.push(
      file.shortcut === 'B'
        ? "these keys (…downsample.0/1…) mean shortcut type B, the model was built with A: use shortcut 'B'"
        : "the file has no downsample weights, i.e. shortcut type A, the model was built with B: use shortcut 'A'",
    );
  }
  if (file.shortcut === 'B' && config.shortcut === 'B' && file.downsampleBias !== config.downsampleBias) {
    causes.push(
      file.downsampleBias
        ? 'the shortcut convolutions have biases (MONAI’s bias_downsample): use downsampleBias true'
        : 'the shortcut convolutions have no biases: use downsampleBias false',
    );
  }
  if (file.inChannels !== undefined && file.inChannels !== config.inChannels) {
    causes.push(`the file's stem takes ${file.inChannels} input channel(s), the model ${config.inChannels}`);
  }
  if (file.stemKernel?.some((k, i) => k !== config.stemKernel[i])) {
    causes.push(
      `the file's stem kernel is [${file.stemKernel.join(', ')}], the model's [${config.stemKernel.join(', ')}]`,
    );
  }
  if (sameBlocks && file.widths.some((w, i) => w !== 0 && w !== config.widths[i])) {
    causes.push(
      `the file's stage widths are [${file.widths.join(', ')}], the model's [${config.widths.join(', ')}]`,
    );
  }
  return causes;
}

/**
 * The key prefix of a ResNet backbone inside a state dict — whatever precedes `layer1.0.conv1.weight`
 * (e.g. `module.backbone.image_encoder.`) — or undefined when the dict holds no ResNet. Where several
 * prefixes qualify (an EMA copy, saved gradients), the one holding the most backbone keys wins, then the shortest.
 */
export function findBackbonePrefix(keys: Iterable<string>): string | undefined {
  const all = [...keys];
  const anchor = 'layer1.0.conv1.weight';
  const backboneKey = /^(conv1|bn1|layer[1-4]\.\d+)\./;
  let best: string | undefined;
  let bestScore = 0;
  for (const k of all) {
    if (!k.endsWith(anchor)) continue;
    const prefix = k.slice(0, k.length - anchor.length);
    if (prefix !== '' && !prefix.endsWith('.')) continue;
    const score = all.filter(
      (key) => key.startsWith(prefix) && backboneKey.test(key.slice(prefix.length)),
    ).length;
    if (score > bestScore || (score === bestScore && best !== undefined && prefix.length < best.length)) {
      best = prefix;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Backbone options that reproduce a state dict's architecture (depth, shortcut, input channels, stem
 * kernel, widths), read off its names and shapes under `prefix`. The stem stride and max-pool cannot be
 * read from weights and are left to the caller (defaults: stride 2, max-pool on).
 */
export function inferResNet3dOptions(
  shapes: ReadonlyMap<string, readonly number[]>,
  prefix = '',
): ResNet3dOptions {
  const local = new Map<string, readonly number[]>();
  for (const [k, s] of shapes) if (k.startsWith(prefix)) local.set(k.slice(prefix.length), s);
  const a = inferArchitecture(local);
  const options: ResNet3dOptions = { shortcut: a.shortcut, downsampleBias: a.downsampleBias };
  if (a.depth !== undefined) options.depth = a.depth;
  if (a.inChannels !== undefined) options.inChannels = a.inChannels;
  if (a.stemKernel?.length === 3) options.stemKernel = a.stemKernel as Triple3;
  if (a.widths.every((w) => w > 0)) options.widths = a.widths as Triple4;
  return options;
}
