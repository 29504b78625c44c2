import type { Command } from 'commander';
import { initBackend, readSafetensors, readSafetensorsHeader } from 'renal-core';
import {
  findBackbonePrefix,
  importTorchStateDict,
  inferResNet3dOptions,
  ResNet3d,
  type ResNet3dOptions,
  type ResNetDepth,
  saveResNet3dCheckpoint,
  type ShortcutType,
  type Triple3,
  type Triple4,
} from 'renal-resnet3d';
import { CliError, emit } from '../command.js';

interface ImportWeightsFlags {
  out: string;
  depth?: string;
  shortcut?: string;
  inChannels?: string;
  widths?: string;
  widenFactor?: string;
  stemKernel?: string;
  stemStride?: string;
  layerStrides?: string;
  layerDilations?: string;
  maxPool: boolean;
  prefix?: string;
  ignore?: string;
  json?: boolean;
}

function integers(value: string, flag: string): number[] {
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.some((p) => !Number.isInteger(p) || p < 1)) {
    throw new CliError(
      `import-weights: ${flag} must be positive integers separated by commas, got '${value}'`,
    );
  }
  return parts;
}

function oneOrThree(value: string, flag: string): number | Triple3 {
  const parts = integers(value, flag);
  if (parts.length === 1) return parts[0];
  if (parts.length === 3) return parts as Triple3;
  throw new CliError(`import-weights: ${flag} takes one number or three (d,h,w), got '${value}'`);
}

function four(value: string, flag: string): Triple4 {
  const parts = integers(value, flag);
  if (parts.length !== 4)
    throw new CliError(`import-weights: ${flag} takes 4 numbers (one per stage), got '${value}'`);
  return parts as Triple4;
}

/** Backbone options: what the file's names and shapes say, overridden by explicit flags. */
function backboneOptions(inferred: ResNet3dOptions, flags: ImportWeightsFlags): ResNet3dOptions {
  const options: ResNet3dOptions = { ...inferred, maxPool: flags.maxPool };
  if (flags.depth !== undefined) options.depth = Number(flags.depth) as ResNetDepth;
  if (flags.shortcut !== undefined) options.shortcut = flags.shortcut.toUpperCase() as ShortcutType;
  if (flags.inChannels !== undefined) options.inChannels = integers(flags.inChannels, '--in-channels')[0];
  if (flags.widenFactor !== undefined) {
    options.widenFactor = Number(flags.widenFactor);
    delete options.widths;
  }
  if (flags.widths !== undefined) {
    const widths = integers(flags.widths, '--widths');
    if (widths.length !== 4)
      throw new CliError(`import-weights: --widths takes 4 numbers, got '${flags.widths}'`);
    options.widths = widths as Triple4;
  }
  if (flags.stemKernel !== undefined) options.stemKernel = oneOrThree(flags.stemKernel, '--stem-kernel');
  if (flags.stemStride !== undefined) options.stemStride = oneOrThree(flags.stemStride, '--stem-stride');
  if (flags.layerStrides !== undefined) options.layerStrides = four(flags.layerStrides, '--layer-strides');
  if (flags.layerDilations !== undefined)
    options.layerDilations = four(flags.layerDilations, '--layer-dilations');
  return options;
}

/** Classifier layers of MONAI / 3D-ResNets (`fc`) and MedicalNet (`conv_seg`): never part of the backbone. */
const DEFAULT_IGNORE = 'fc.,conv_seg.';

/** One line for the terminal: the error's lines joined. */
function oneLine(error: Error): string {
  return error.message
    .split('\n')
    .map((l) => l.trim())
    .join(' | ');
}

async function importWeights(input: string, flags: ImportWeightsFlags): Promise<void> {
  await initBackend('cpu');
  let header: Awaited<ReturnType<typeof readSafetensorsHeader>>;
  try {
    header = await readSafetensorsHeader(input);
  } catch (error) {
    const hint = /\.(pth|pt|bin|ckpt|tar)$/i.test(input)
      ? ' (a PyTorch pickle: convert it to safetensors first — see the renal-resnet3d README)'
      : '';
    throw new CliError(`import-weights: ${oneLine(error as Error)}${hint}`);
  }
  const shapes = new Map([...header.entries].map(([k, e]) => [k, e.shape]));
  const prefix = flags.prefix ?? findBackbonePrefix(shapes.keys());
  if (prefix === undefined) {
    throw new CliError(
      `import-weights: ${input}: no ResNet backbone found (no key ending in layer1.0.conv1.weight)`,
    );
  }
  let model: ResNet3d;
  try {
    model = new ResNet3d(backboneOptions(inferResNet3dOptions(shapes, prefix), flags));
  } catch (error) {
    throw new CliError(`import-weights: ${oneLine(error as Error)}`);
  }
  try {
    const { tensors } = await readSafetensors(input);
    const report = importTorchStateDict(model, tensors, {
      source: input,
      prefix,
      ignore: (flags.ignore ?? DEFAULT_IGNORE).split(',').filter((p) => p.length > 0),
    });
    await saveResNet3dCheckpoint(flags.out, model);
    const config = model.getConfig();
    const result = {
      out: flags.out,
      prefix,
      config,
      loaded: report.loaded.length,
      ignored: report.ignored.length,
    };
    emit(result, flags, () =>
      [
        `${input} → ${flags.out}`,
        `ResNet-${config.depth}, shortcut ${config.shortcut}, widths ${config.widths.join('/')}, ${config.inChannels} input channel(s), stem ${config.stemKernel.join('×')} stride ${config.stemStride.join('×')}${config.maxPool ? ', max-pool' : ''}`,
        `${report.loaded.length} tensors loaded (prefix '${prefix}'), ${report.ignored.length} keys ignored`,
      ].join('\n'),
    );
  } catch (error) {
    throw new CliError(`import-weights: ${oneLine(error as Error)}`);
  } finally {
    model.dispose();
  }
}

/** `renal-clip import-weights IN.safetensors --out DIR`: a PyTorch ResNet state dict → our checkpoint. */
export function registerImportWeights(program: Command): void {
  program
    .command('import-weights')
    .description(
      'convert a PyTorch 3-D ResNet state dict (MedicalNet / MONAI / RenalCLIP, saved as safetensors) to a renal-clip checkpoint; the architecture is read from the file unless given',
    )
    .argument('<input>', 'the .safetensors file (see renal-resnet3d README for converting a .pth)')
    .requiredOption('--out <dir>', 'checkpoint folder to write (config.json + weights.safetensors)')
    .option('--depth <n>', 'ResNet depth: 10, 18, 34, 50, 101 or 152 (default: from the file)')
    .option('--shortcut <type>', "shortcut type 'A' or 'B' (default: from the file)")
    .option('--in-channels <n>', 'input channels (default: from the file)')
    .option('--widths <a,b,c,d>', 'stage widths (default: from the file)')
    .option('--widen-factor <f>', 'multiplies the widths 64,128,256,512')
    .option('--stem-kernel <k|d,h,w>', 'stem kernel (default: from the file)')
    .option('--stem-stride <s|d,h,w>', 'stem stride (default 2)')
    .option('--layer-strides <a,b,c,d>', 'stride of each stage (default 1,2,2,2; MedicalNet 1,2,1,1)')
    .option('--layer-dilations <a,b,c,d>', 'dilation of each stage (default 1,1,1,1; MedicalNet 1,1,2,4)')
    .option('--no-max-pool', 'the network has no max-pool after the stem')
    .option('--prefix <p>', "key prefix of the backbone (default: detected, e.g. 'module.')")
    .option(
      '--ignore <p1,p2>',
      `key prefixes to skip (default '${DEFAULT_IGNORE}': classifiers, never backbone)`,
    )
    .option('--json', 'print one JSON object')
    .action(async (input: string, flags: ImportWeightsFlags) => importWeights(input, flags));
}
