// What the study scripts share: a finished demo or eval folder opened as the pipeline opened it — the config,
// the patient-level splits of the seed, the crop cache and the checkpoint folder — and the encoders of its ten
// tasks, built with the pipeline's seeds.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as clip from '../dist/index.js';

/** Reads `RUN_DIR SEED OUT` from the command line (throws the usage line when one is missing). */
export function studyArguments(usage) {
  const [runDir, seed, outFile] = process.argv.slice(2);
  if (!outFile) throw new Error(`usage: ${usage}`);
  return { runDir, seed: Number(seed), outFile };
}

/**
 * The run folder's config — the one its `metrics.json` records, so that runs of an earlier preset open with the
 * geometry they were cached and trained with — and its splits, crop cache and checkpoint folder (wasm backend).
 */
export async function openRun(runDir, seed) {
  await clip.initBackend('wasm');
  const metrics = join(runDir, 'metrics.json');
  const config = existsSync(metrics)
    ? JSON.parse(readFileSync(metrics, 'utf8')).config
    : clip.pipelineConfig('tiny');
  return {
    config,
    checkpoints: join(runDir, 'checkpoints'),
    splits: clip.splitByPatient(clip.readManifest(join(runDir, 'cohort', 'manifest.jsonl')), { seed }),
    cache: new clip.CropCache(join(runDir, 'cache'), clip.cropGeometry(config)),
  };
}

/** The stage-1 and RenalCLIP backbones from their `best` checkpoints, and the random one "from scratch". */
export async function runEncoders(run, seed) {
  const stage1 = new clip.ImageModel(run.config, seed);
  await clip.loadParams(join(run.checkpoints, 'stage1-image', 'best'), stage1.params(['backbone']));
  const renalclip = new clip.ImageModel(run.config, seed + 10);
  await clip.loadParams(join(run.checkpoints, 'stage2-align', 'best'), renalclip.params(['backbone']));
  return { scratch: new clip.ImageModel(run.config, seed + 20), stage1, renalclip };
}
