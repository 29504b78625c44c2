// Stage 1 text alone: trains the tiny LLM2Vec encoder (MNTP then SimCSE, for the given steps) on a cohort's
// training reports, then scores the zero-shot prompts on the true reports of the validation and test splits
// (the text ceiling of the zero-shot experiment). Prints one JSON line.
// Usage: node ceiling.mjs COHORT_DIR SEED MNTP_STEPS SIMCSE_STEPS   (build renal-clip first: pnpm build)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as clip from '../../dist/index.js';

const [cohortDir, seedArg = '0', mntpSteps = '90', simcseSteps = '25'] = process.argv.slice(2);
if (!cohortDir) throw new Error('usage: node ceiling.mjs COHORT_DIR SEED MNTP_STEPS SIMCSE_STEPS');
const seed = Number(seedArg);
await clip.initBackend('wasm');
const splits = clip.splitByPatient(clip.readManifest(join(cohortDir, 'manifest.jsonl')), { seed });
const config = clip.pipelineConfig('tiny', {
  text: { mntpSteps: Number(mntpSteps), simcseSteps: Number(simcseSteps) },
});
const withReports = (records) => records.filter((r) => r.report);
const all = withReports([...splits.train, ...splits.val, ...splits.test]);
const dir = mkdtempSync(join(tmpdir(), 'text-steps-'));
try {
  const encoder = await clip.trainLlm2VecText({
    reports: withReports(splits.train).map((r) => r.report),
    vocabulary: clip.textVocabulary(all.map((r) => r.report)),
    config,
    dir,
    seed,
    progress: null,
  });
  const line = { seed, mntpSteps: Number(mntpSteps), simcseSteps: Number(simcseSteps) };
  for (const [split, records] of [
    ['val', withReports(splits.val)],
    ['test', withReports(splits.test)],
  ]) {
    const reports = await encoder.embed(records.map((r) => r.report));
    for (const task of clip.ZERO_SHOT_TASKS) {
      const options = { seed, bootstrap: 0, source: 'report' };
      for (const result of await clip.zeroShot(task, records, reports, encoder, options))
        line[`${split} ${task.name} ${result.mode}`] = Math.round(result.auc.value * 1000) / 1000;
    }
  }
  console.log(JSON.stringify(line));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
