// KiTS: read a KiTS19/21/23 folder (case_XXXXX/imaging.nii.gz + segmentation.nii.gz + kits.json) — yours with
// `--kits DIR`, or a synthetic one in KiTS layout — embed each tumour kidney with the RenalCLIP encoder trained
// by the other examples, and score malignancy, aggressiveness and OS with heads on a patient-level split.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { args, clip, config as pipelineConfigOf, run } from './common.mjs';

const options = args();
const checkpoint = join(options.out, 'checkpoints', 'stage2-align', 'best');
if (!existsSync(checkpoint)) await run(options, { skipDataEfficiency: true });
await clip.initBackend(options.backend);
let folder = options.kits;
if (!folder) {
  folder = join(options.out, 'kits');
  if (!existsSync(join(folder, 'kits.json'))) {
    await clip.writeDemoCohort(folder, {
      patients: 60,
      seed: options.seed + 1,
      preset: options.preset,
      layout: 'kits',
    });
  }
}
const records = await clip.readKitsFolder(folder);
const config = pipelineConfigOf(options);
const model = new clip.ImageModel(config, 0);
console.error(`image weights: ${(await clip.loadImageWeights(model, checkpoint)).description}`);
const cache = new clip.CropCache(join(options.out, 'kits-cache'), clip.cropGeometry(config));
const splits = clip.splitByPatient(records, { seed: options.seed });
const table = async (list) => ({
  records: list,
  features: await clip.extractFeatures(model, list, cache, config),
});
const evaluation = clip.evaluateTasks(
  'renalclip',
  await table(splits.train),
  await table(splits.test),
  config.task,
  {
    seed: options.seed,
    bootstrap: config.bootstrap,
  },
);
for (const row of evaluation.rows) {
  const [key, value] = Object.entries(row.metrics)[0];
  console.log(`${row.task.padEnd(15)} n=${String(row.n).padEnd(4)} ${key} ${clip.formatEstimate(value)}`);
}
model.dispose();
