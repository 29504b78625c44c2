import type { Command } from 'commander';
import {
  type KidneyRegion,
  kidneyRegions,
  preprocessKidney,
  readNifti,
  type Vec3,
  writeNifti,
} from 'renal-volume-io';
import { downstreamConfig } from '../../pipeline/config.js';
import { cropGeometry, kidneyPresetOf } from '../../pipeline/crops.js';
import { CliError, emit } from '../command.js';
import { CONFIG_HELP, configFrom } from '../pipeline-options.js';
import { loadVolume } from './inspect.js';

interface PreprocessOptions {
  out?: string;
  center?: string;
  mask?: string;
  side?: string;
  world?: boolean;
  preset: string;
  config?: string;
  stage: string;
  series?: string;
  json?: boolean;
}

function parseCenter(text: string): Vec3 {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) {
    throw new CliError(`--center: expected three numbers i,j,k, got ${JSON.stringify(text)}`);
  }
  return parts as Vec3;
}

/** The kidney to crop: the requested side, else the one with the largest tumour, else the right. */
function pickKidney(regions: KidneyRegion[], side: string | undefined, maskPath: string): KidneyRegion {
  if (side !== undefined) {
    const wanted = side.toUpperCase();
    if (wanted !== 'L' && wanted !== 'R') throw new CliError(`--side: expected L or R, got ${side}`);
    const found = regions.find((r) => r.side === wanted);
    if (!found) throw new CliError(`${maskPath}: no ${wanted} kidney in the segmentation`);
    return found;
  }
  return [...regions].sort((a, b) => b.voxels.tumor - a.voxels.tumor)[0];
}

/**
 * `renal-clip preprocess IN --out OUT.nii.gz [--center i,j,k | --mask SEG] [--preset paper|tiny] [--config F]
 * [--stage pretraining|tasks]`: the evaluation crop of the pipeline's config — the box, orientation, resize and
 * window the crop cache applies, then the centre crop of the model's input shape — as the pre-trained encoder
 * sees it (embeddings, zero-shot, retrieval) or as stage 3 does (the ten tasks; the paper resizes the box to
 * fewer slices downstream).
 */
export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description("write the crop the model sees: the pipeline's kidney preprocessing of one scan")
    .argument('<input>', 'CT as .nii/.nii.gz, a DICOM file or a DICOM folder')
    .requiredOption('--out <file>', 'output .nii.gz (float32, window-normalised to [0, 1])')
    .option('--center <i,j,k>', 'kidney or tumour centre in voxels (or mm with --world)')
    .option('--mask <seg>', 'KiTS-style segmentation (1 kidney, 2 tumour, 3 cyst) to find the centre')
    .option('--side <L|R>', 'with --mask: which kidney (default: the one with the largest tumour)')
    .option('--world', '--center is in world RAS millimetres')
    .option('--preset <name>', 'paper (140 mm box, 128×128×32) or tiny (100 mm box, 64×64×16)', 'paper')
    .option('--config <file>', CONFIG_HELP)
    .option(
      '--stage <name>',
      'pretraining (the crop behind embeddings, zero-shot, retrieval) or tasks (the ten tasks)',
      'pretraining',
    )
    .option('--series <uidOrIndex>', 'which series of a DICOM folder holding several')
    .option('--json', 'print one JSON object')
    .action(async (input: string, options: PreprocessOptions) => {
      if ((options.center === undefined) === (options.mask === undefined)) {
        throw new CliError('preprocess: give exactly one of --center i,j,k or --mask SEG');
      }
      if (options.stage !== 'pretraining' && options.stage !== 'tasks')
        throw new CliError(`--stage: expected pretraining or tasks, got ${options.stage}`);
      const pretraining = configFrom(options);
      const config = options.stage === 'tasks' ? downstreamConfig(pretraining) : pretraining;
      const volume = await loadVolume(input, { series: options.series });
      let center: Vec3;
      let side: string | undefined;
      let world = options.world ?? false;
      if (options.mask !== undefined) {
        const seg = await readNifti(options.mask);
        if (seg.shape.some((n, a) => n !== volume.shape[a])) {
          throw new CliError(
            `${options.mask}: segmentation shape ${seg.shape.join('×')} differs from ${input}'s ${volume.shape.join('×')}`,
          );
        }
        const kidney = pickKidney(kidneyRegions(seg), options.side, options.mask);
        center = kidney.centerWorld;
        side = kidney.side;
        world = true;
      } else center = parseCenter(options.center!);
      const preset = kidneyPresetOf(cropGeometry(config), config.inputShape);
      const crop = preprocessKidney(volume, center, preset, { world });
      await writeNifti(options.out!, { ...crop, source: options.out }, { datatype: 'float32' });
      const result = {
        out: options.out,
        shape: crop.shape,
        preset: options.preset,
        stage: options.stage,
        center,
        world,
        ...(side ? { side } : {}),
      };
      emit(
        result,
        options,
        () =>
          `${options.out}: ${crop.shape.join(' × ')} crop (${options.preset}, ${options.stage}) around ${world ? 'world' : 'voxel'} ${center
            .map((x) => x.toFixed(1))
            .join(', ')}${side ? ` (${side} kidney)` : ''}`,
      );
    });
}
