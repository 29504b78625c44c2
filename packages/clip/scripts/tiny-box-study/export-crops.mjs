// Exports centre crops of a synthetic cohort for stage1_probe.py: a 100 mm box at 16×64×64 (the tiny preset's
// geometry; the probe cuts the central 50 mm, 8×32×32, out of it for the earlier one), phase A as NAME.f32 and
// the other phases as NAME-N.f32, NAME-V.f32, NAME-D.f32 (for --random-phase).
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
  for (const phase of ['A', 'N', 'V', 'D']) {
    const volumes = [];
    const labels = [];
    const batches = clip.imageBatches(records, cache, config, {
      batchSize: 16,
      phase,
      train: false,
      seed: 0,
    });
    for await (const { records: batch, x } of batches) {
      volumes.push(Buffer.from(Float32Array.from(x.dataSync()).buffer));
      for (const r of batch)
        labels.push({ attributes: r.attributes ?? null, malignant: r.malignant ?? null });
      x.dispose();
    }
    const file = join(out, phase === 'A' ? `${name}.f32` : `${name}-${phase}.f32`);
    writeFileSync(file, Buffer.concat(volumes));
    writeFileSync(join(out, `${name}.json`), JSON.stringify(labels));
    console.log(`${name}, phase ${phase}: ${labels.length} kidneys → ${file}`);
  }
}
