import { join } from 'node:path';
import type { Command } from 'commander';
import { float32ToRaw, writeSafetensors } from 'renal-core';
import { CropCache, cropGeometry } from '../../pipeline/crops.js';
import { extractFeatures, loadImageWeights } from '../../pipeline/features.js';
import { ImageModel } from '../../pipeline/image-model.js';
import { concat, imageEmbeddings } from '../../pipeline/stage2-align.js';
import { CliError, emit } from '../command.js';
import {
  CONFIG_HELP,
  configFrom,
  loadCohort,
  type PipelineCliOptions,
  seedFrom,
  startBackend,
} from '../pipeline-options.js';

/** `renal-clip embed-image`: image embeddings (projected) or pooled features of every kidney of a cohort. */
export function registerEmbedImage(program: Command): void {
  program
    .command('embed-image')
    .description('embed every kidney of a cohort with a trained (or imported) image encoder → safetensors')
    .option('--manifest <file>', 'cohort manifest.jsonl')
    .option('--kits <dir>', 'a KiTS folder')
    .option(
      '--weights <path>',
      'checkpoint folder (e.g. RUN/checkpoints/stage2-align/best) or PyTorch state dict (.safetensors)',
    )
    .requiredOption(
      '--output <file>',
      'where to write the embeddings (.safetensors: "embeddings" [n, d] + metadata "ids")',
    )
    .option('--features', 'write pooled backbone features instead of projected, normalised embeddings')
    .option('--out <dir>', 'folder for the crop cache', 'renal-clip-run')
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option(
      '--config <file>',
      `${CONFIG_HELP} (the crop geometry must match the one the weights were trained on)`,
    )
    .option('--seed <n>', 'random seed', '0')
    .option('--backend <name>', 'auto, wasm, cpu, webgpu or tensorflow', 'auto')
    .option('--json', 'print one JSON object')
    .action(
      async (options: PipelineCliOptions & { weights?: string; output: string; features?: boolean }) => {
        const backend = await startBackend(options);
        const { records } = await loadCohort(options);
        const config = configFrom(options);
        const model = new ImageModel(config, seedFrom(options));
        if (!options.weights)
          throw new CliError('--weights is required (a checkpoint folder or PyTorch safetensors)');
        const loaded = (await loadImageWeights(model, options.weights)).description;
        const cache = new CropCache(join(options.out, 'cache'), cropGeometry(config));
        const vectors = options.features
          ? await extractFeatures(model, records, cache, config)
          : await imageEmbeddings({ model, cache, config }, records);
        model.dispose();
        const dim = vectors[0].length;
        await writeSafetensors(
          options.output,
          { embeddings: float32ToRaw(concat(vectors), [vectors.length, dim]) },
          {
            ids: JSON.stringify(records.map((r) => r.id)),
            kind: options.features ? 'features' : 'embeddings',
          },
        );
        const result = { backend, output: options.output, kidneys: vectors.length, dim, weights: loaded };
        emit(
          result,
          options,
          () =>
            `${vectors.length} kidneys × ${dim}-d (${options.features ? 'features' : 'embeddings'}) → ${options.output} (weights: ${loaded})`,
        );
      },
    );
}
