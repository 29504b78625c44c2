/**
 * renal-clip: the RenalCLIP pipeline — datasets, the two pre-training stages, the ten clinical tasks,
 * evaluation, reports and the `renal-clip` CLI.
 *
 * @packageDocumentation
 */
export { CliError, emit, type RegisterCommand } from './cli/command.js';
export { buildProgram, runCli } from './cli/program.js';

export * from './data/manifest.js';
export * from './data/splits.js';
export * from './data/loader.js';
export * from './data/kits.js';

export * from './metrics/classification.js';
export * from './metrics/bootstrap.js';
export * from './metrics/text.js';

export * from './train/adamw.js';
export * from './train/schedule.js';
export * from './train/clip-grad.js';
export * from './train/progress.js';
export * from './train/stage.js';

export * from './report/results.js';
export * from './report/svg.js';
export * from './report/write.js';
export * from './report/seeds.js';

export * from './pipeline/config.js';
export * from './pipeline/crops.js';
export * from './pipeline/augment.js';
export * from './pipeline/image-model.js';
export * from './pipeline/batches.js';
export * from './pipeline/text.js';
export * from './pipeline/stage1-image.js';
export * from './pipeline/attributes.js';
export * from './pipeline/stage2-align.js';
export * from './pipeline/heads.js';
export * from './pipeline/tasks.js';
export * from './pipeline/finetune.js';
export * from './pipeline/evaluate.js';
export * from './pipeline/features.js';
export * from './pipeline/run.js';
export * from './pipeline/text-llm2vec.js';
export * from './pipeline/demo-cohort.js';
/** Backend selection, re-exported from renal-core so scripts need only renal-clip. */
export { initBackend } from 'renal-core';
