import type { Command } from 'commander';
import { runPipeline } from '../../pipeline/run.js';
import { taskTable, textTable } from '../../report/write.js';
import { emit } from '../command.js';
import {
  addPipelineOptions,
  addStage3Options,
  configFrom,
  loadCohort,
  loadPretraining,
  type PipelineCliOptions,
  seedFrom,
  type Stage3CliOptions,
  startBackend,
  textModeFrom,
} from '../pipeline-options.js';
import { summaryLines } from './demo.js';

/**
 * `renal-clip eval`: the paper's evaluation on a cohort — stages resume from the checkpoints in `--out` (and
 * train only what is missing), then the ten tasks for three encoders, data efficiency, zero-shot, retrieval
 * and report generation; writes metrics.json, report.md and report.html.
 */
export function registerEval(program: Command): void {
  addStage3Options(
    addPipelineOptions(
      program
        .command('eval')
        .description(
          'evaluate: ten tasks × three encoders, data efficiency, zero-shot, retrieval, report generation',
        ),
    ),
  )
    .option('--text-embeddings <file>', 'precomputed report embeddings (safetensors) instead of stage 1 text')
    .option(
      '--image-weights <path>',
      'RenalCLIP image weights (checkpoint folder or PyTorch safetensors) instead of stage 2',
    )
    .option('--skip-data-efficiency', 'leave out the data-efficiency curves')
    .action(
      async (
        options: PipelineCliOptions &
          Stage3CliOptions & {
            imageWeights?: string;
            skipDataEfficiency?: boolean;
          },
      ) => {
        const config = configFrom(options);
        const seed = seedFrom(options);
        const text = textModeFrom(options);
        const backend = await startBackend(options);
        const { records, source } = await loadCohort(options);
        const { results, paths } = await runPipeline({
          records,
          source,
          ...loadPretraining(options),
          outDir: options.out,
          config,
          seed,
          resume: options.resume,
          text,
          imageWeights: options.imageWeights,
          skipDataEfficiency: options.skipDataEfficiency,
          fusion: options.fusion,
          finetune: options.finetune,
        });
        emit({ backend, ...results, files: paths }, options, () =>
          [textTable(taskTable(results)), '', ...summaryLines(results), '', `report: ${paths.html}`].join(
            '\n',
          ),
        );
      },
    );
}
