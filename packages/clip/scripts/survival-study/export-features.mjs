// Exports what the survival study needs from a finished demo or eval folder (one seed): per kidney of every
// split, the pooled backbone features of the three encoders (from scratch, stage 1, RenalCLIP) for each of the
// four phases (evaluation crop), with patient id, malignancy, outcomes and the report (for the stated diameter).
// Usage: node export-features.mjs RUN_DIR SEED OUT.json   (build renal-clip first: pnpm build)
import { writeFileSync } from 'node:fs';
import * as clip from '../../dist/index.js';
import { openRun, runEncoders, studyArguments } from '../run-folder.mjs';

const { runDir, seed, outFile } = studyArguments('node export-features.mjs RUN_DIR SEED OUT.json');
const run = await openRun(runDir, seed);
const { config, splits, cache } = run;
const encoders = await runEncoders(run, seed);

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
