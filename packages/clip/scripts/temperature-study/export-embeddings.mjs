// Exports what the temperature study needs from a finished demo or eval folder (one seed): the pooled backbone
// features of stage 1 and of RenalCLIP (phase A, evaluation crop), the report embeddings (original view) and
// the malignancy prompts' embeddings, per split, as one JSON file.
// Usage: node export-embeddings.mjs RUN_DIR SEED OUT.json   (build renal-clip first: pnpm build)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPrompts, MALIGNANCY_PROMPTS } from 'renal-clip-loss';
import * as clip from '../../dist/index.js';
import { openRun, runEncoders, studyArguments } from '../run-folder.mjs';

const { runDir, seed, outFile } = studyArguments('node export-embeddings.mjs RUN_DIR SEED OUT.json');
const run = await openRun(runDir, seed);
const { config, checkpoints, splits, cache } = run;
const reports = await clip.loadReportEmbeddings(join(runDir, 'text-embeddings.safetensors'));
const { scratch, stage1, renalclip } = await runEncoders(run, seed);
scratch.dispose();
const withReports = (records) => records.filter((r) => r.report);
const all = withReports([...splits.train, ...splits.val, ...splits.test]);
// Resumes from the run's stage-1 text checkpoint (no training).
const text = await clip.trainLlm2VecText({
  reports: withReports(splits.train).map((r) => r.report),
  vocabulary: clip.textVocabulary(all.map((r) => r.report)),
  config,
  dir: join(checkpoints, 'stage1-text'),
  seed,
  progress: null,
});

const rowOf = new Map(reports.ids.map((id, i) => [id, i]));
const rows = (vectors) => vectors.map((v) => Array.from(v));
const out = { seed, prompts: [] };
for (const [name, records] of Object.entries(splits)) {
  const kidneys = withReports(records);
  out[name] = {
    ids: kidneys.map((r) => r.id),
    report: kidneys.map((r) => r.report),
    // Zero-shot malignancy labels: kidneys with a mass only (null otherwise), as the pipeline scores them.
    malignant: kidneys.map((r) => (clip.hasMass(r) ? Number(r.malignant) : null)),
    stage1: rows(await clip.extractFeatures(stage1, kidneys, cache, config)),
    renalclip: rows(await clip.extractFeatures(renalclip, kidneys, cache, config)),
    text: kidneys.map((r) => Array.from(clip.embeddingOf(reports, rowOf.get(r.id), 0))),
  };
}
for (const descriptions of expandPrompts(MALIGNANCY_PROMPTS))
  out.prompts.push(rows(await text.embed(descriptions)));
writeFileSync(outFile, JSON.stringify(out));
stage1.dispose();
renalclip.dispose();
