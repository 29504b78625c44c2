// Exports phase-A centre crops of a synthetic cohort for stage1_probe.py: a 100 mm box at 16×64×64 (the tiny
// preset's earlier geometry); the probe cuts the central 50 mm (8×32×32) out of it for the current one.
// Usage: node export-crops.mjs OUT_DIR [PATIENTS=300] [SEED=0]   (build renal-clip first: pnpm build)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as clip from '../../dist/index.js';

const [out = 'box-study', patients = '300', seed = '0'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
await clip.initBackend('cpu');
const config = clip.pipelineConfig('tiny', {
  boxMm: [100, 100, 100],
  cacheShape: [20, 70, 70],
  inputShape: [16, 64, 64],
});
const { manifest } = await clip.writeDemoCohort(join(out, 'cohort'), {
  patients: Number(patients),
  seed: Number(seed),
  preset: 'tiny',
});
const splits = clip.splitByPatient(clip.readManifest(manifest), { seed: Number(seed) });
const cache = new clip.CropCache(join(out, 'cache'), clip.cropGeometry(config));
for (const [name, records] of [
  ['train', splits.train],
  ['heldout', [...splits.val, ...splits.test]],
]) {
  const volumes = [];
  const labels = [];
  const batches = clip.imageBatches(records, cache, config, {
    batchSize: 16,
    phase: 'A',
    train: false,
    seed: 0,
  });
  for await (const { records: batch, x } of batches) {
    volumes.push(Buffer.from(Float32Array.from(x.dataSync()).buffer));
    for (const r of batch) labels.push({ attributes: r.attributes ?? null, malignant: r.malignant ?? null });
    x.dispose();
  }
  writeFileSync(join(out, `${name}.f32`), Buffer.concat(volumes));
  writeFileSync(join(out, `${name}.json`), JSON.stringify(labels));
  console.log(`${name}: ${labels.length} kidneys → ${join(out, `${name}.f32`)}`);
}
