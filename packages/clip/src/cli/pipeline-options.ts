import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { type BackendName, initBackend } from 'renal-core';
import { readKitsFolder } from '../data/kits.js';
import { type KidneyRecord, readManifest } from '../data/manifest.js';
import { type PipelineConfig, pipelineConfig, readConfigOverrides } from '../pipeline/config.js';
import type { TextMode } from '../pipeline/run.js';
import { CliError } from './command.js';

/** Options shared by the verbs that run part of the pipeline. */
export interface PipelineCliOptions {
  manifest?: string;
  kits?: string;
  pretrainManifest?: string;
  out: string;
  preset: string;
  seed: string;
  backend: string;
  epochs?: string;
  config?: string;
  json?: boolean;
  resume?: boolean;
  textEmbeddings?: string;
  text: string;
}

/** Adds the data, output, preset, seed and backend options to a verb. */
export function addPipelineOptions(command: Command, defaultOut = 'renal-clip-run'): Command {
  return command
    .option('--manifest <file>', 'cohort manifest.jsonl (see ARCHITECTURE.md)')
    .option('--kits <dir>', 'a KiTS folder (case_XXXXX/imaging.nii.gz + segmentation.nii.gz + kits.json)')
    .option(
      '--pretrain-manifest <file>',
      'a pretraining-only manifest.jsonl: stages 1 and 2 learn from it too; tasks and evaluations never see it',
    )
    .option('--out <dir>', 'output folder (checkpoints, crop cache, embeddings, report)', defaultOut)
    .option('--preset <preset>', 'tiny or paper', 'tiny')
    .option('--config <file>', CONFIG_HELP)
    .option('--seed <n>', 'random seed', '0')
    .option('--backend <name>', 'auto, wasm, cpu, webgpu or tensorflow', 'auto')
    .option('--epochs <n>', 'override the epochs of every training stage')
    .option('--no-resume', 'start stages afresh instead of resuming from their last checkpoints')
    .option('--text <encoder>', `stage 1 text encoder: llm2vec or tfidf`, DEFAULT_TEXT_ENCODER)
    .option('--json', 'print one JSON object');
}

/** The stage 3 switches of `eval` and `demo`, as commander parses them. */
export interface Stage3CliOptions {
  fusion?: boolean;
  finetune?: boolean;
}

/** Adds `--fusion` and `--finetune` (how stage 3 trains its classification tasks) to a verb. */
export function addStage3Options(command: Command): Command {
  return command
    .option('--fusion', 'multi-phase late fusion: average the task heads over every available phase')
    .option(
      '--finetune',
      'stage 3 as the paper: fine-tune each encoder end to end per classification task (slower)',
    );
}

/** Help text of `--config`, shared by every verb that takes it. */
export const CONFIG_HELP =
  'JSON file of overrides deep-merged into the preset, e.g. {"image": {"epochs": 16}, "boxMm": [50, 50, 50]}';

/** The stage-1 text encoder used when `--text` is not given: LLM2Vec, the paper's (tiny preset, trained here). */
export const DEFAULT_TEXT_ENCODER = 'llm2vec';

/** The text mode of `--text-embeddings` / `--text`. */
export function textModeFrom(options: { text: string; textEmbeddings?: string }): TextMode {
  if (options.textEmbeddings) return { kind: 'file', path: options.textEmbeddings };
  if (options.text !== 'llm2vec' && options.text !== 'tfidf') {
    throw new CliError(`--text must be llm2vec or tfidf, got "${options.text}"`);
  }
  return { kind: options.text };
}

/** Reads the cohort named by `--manifest` or `--kits`. */
export async function loadCohort(
  options: PipelineCliOptions,
): Promise<{ records: KidneyRecord[]; source: string }> {
  if (options.manifest && options.kits) throw new CliError('give either --manifest or --kits, not both');
  if (options.manifest) return manifestCohort(options.manifest);
  if (options.kits)
    return { records: await readKitsFolder(options.kits), source: `KiTS folder ${resolve(options.kits)}` };
  throw new CliError('no data: pass --manifest FILE or --kits DIR (or run `renal-clip synth` first)');
}

/** Reads the pretraining-only cohort named by `--pretrain-manifest`, if any. */
export function loadPretraining(
  options: Pick<PipelineCliOptions, 'pretrainManifest'>,
): { pretrainRecords: KidneyRecord[]; pretrainSource: string } | undefined {
  if (!options.pretrainManifest) return undefined;
  const { records, source } = manifestCohort(options.pretrainManifest);
  return { pretrainRecords: records, pretrainSource: source };
}

/** The records of a manifest path given on the command line, and how the report names it. */
function manifestCohort(path: string): { records: KidneyRecord[]; source: string } {
  const file = resolve(path);
  if (!existsSync(file)) throw new CliError(`${file}: no such manifest`);
  return { records: readManifest(file), source: `manifest ${file}` };
}

/**
 * The pipeline config of `--preset` with the `--config` file's overrides merged in, then `--epochs` applied to
 * every training stage.
 */
export function configFrom(
  options: Pick<PipelineCliOptions, 'preset' | 'config' | 'epochs'>,
): PipelineConfig {
  let config: PipelineConfig;
  try {
    const overrides = options.config ? readConfigOverrides(options.config) : {};
    config = pipelineConfig(options.preset, overrides, options.config);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  if (options.epochs !== undefined) {
    const epochs = Number.parseInt(options.epochs, 10);
    if (!(epochs >= 1)) throw new CliError(`--epochs must be a positive integer, got "${options.epochs}"`);
    config.image.epochs = epochs;
    config.align.epochs = epochs;
    config.finetune.epochs = epochs;
  }
  return config;
}

/** Parses `--seed`. */
export function seedFrom(options: PipelineCliOptions): number {
  const seed = Number.parseInt(options.seed, 10);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be an integer, got "${options.seed}"`);
  return seed;
}

/** Starts the backend named by `--backend`; returns its name. */
export async function startBackend(options: { backend: string }): Promise<string> {
  const names = ['auto', 'tensorflow', 'wasm', 'webgpu', 'webgl', 'cpu'];
  if (!names.includes(options.backend)) throw new CliError(`--backend must be one of ${names.join(', ')}`);
  try {
    return await initBackend(options.backend as BackendName);
  } catch (error) {
    throw new CliError(`backend ${options.backend}: ${(error as Error).message}`);
  }
}
