// Exports what the survival study needs from a finished demo or eval folder (one seed): per kidney of every
// split, the pooled backbone features of the three encoders (from scratch, stage 1, RenalCLIP) for each of the
// four phases (evaluation crop), with patient id, malignancy, outcomes and the report (for the stated diameter).
// Usage: node export-features.mjs RUN_DIR SEED OUT.json   (build renal-clip first: pnpm build)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as clip from '../../dist/index.js';

const [runDir, seedArg, outFile] = process.argv.slice(2);
if (!outFile) throw new Error('usage: node export-features.mjs RUN_DIR SEED OUT.json');
const seed = Number(seedArg);
await clip.initBackend('wasm');
const config = clip.pipelineConfig('tiny');
const checkpoints = join(runDir, 'checkpoints');
const splits = clip.splitByPatient(clip.readManifest(join(runDir, 'cohort', 'manifest.jsonl')), { seed });
const cache = new clip.CropCache(join(runDir, 'cache'), clip.cropGeometry(config));

// The encoders as the pipeline builds them (same seeds), the trained ones from their `best` checkpoints.
const stage1 = new clip.ImageModel(config, seed);
await clip.loadParams(join(checkpoints, 'stage1-image', 'best'), stage1.params(['backbone']));
const renalclip = new clip.ImageModel(config, seed + 10);
await clip.loadParams(join(checkpoints, 'stage2-align', 'best'), renalclip.params(['backbone']));
const scratch = new clip.ImageModel(config, seed + 20);
const encoders = { scratch, stage1, renalclip };

const rows = (vectors) => vectors.map((v) => Array.from(v));
const out = { seed };
for (const [name, records] of Object.entries(splits)) {
  const split = {
    patient: records.map((r) => r.patientId),
    malignant: records.map((r) => r.malignant ?? null),
    rfs: records.map((r) => r.rfs ?? null),
    report: records.map((r) => r.report ?? null),
  };
  for (const [encoder, model] of Object.entries(encoders))
    for (const phase of clip.PHASES)
      split[`${encoder}_${phase}`] = rows(await clip.extractFeatures(model, records, cache, config, phase));
  out[name] = split;
}
writeFileSync(outFile, JSON.stringify(out));
for (const model of Object.values(encoders)) model.dispose();
