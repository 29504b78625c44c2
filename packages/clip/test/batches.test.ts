import { initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CropCache, imageBatches, type KidneyRecord, pipelineConfig } from '../src/index.js';

const config = { ...pipelineConfig('tiny'), cacheShape: [4, 10, 10], inputShape: [2, 8, 8] } as ReturnType<
  typeof pipelineConfig
>;
const records: KidneyRecord[] = Array.from({ length: 12 }, (_, i) => ({
  id: `k${i}`,
  patientId: `p${i}`,
  side: 'L',
  phases: { A: `/nowhere/${i}/A.nii.gz`, V: `/nowhere/${i}/V.nii.gz` },
}));

/** A crop cache whose reads finish after random delays, as disk reads do under load. */
function slowCache(): CropCache {
  const crops = new Map<string, Float32Array>();
  const rng = new Rng(99);
  for (const r of records)
    for (const phase of ['A', 'V']) crops.set(`${r.id}${phase}`, Float32Array.from(rng.uniformArray(400)));
  return {
    get: (record: KidneyRecord, phase: string) =>
      new Promise<Float32Array>((resolve) =>
        setTimeout(() => resolve(crops.get(`${record.id}${phase}`)!), Math.random() * 8),
      ),
  } as unknown as CropCache;
}

async function onePass(seed: number): Promise<{ ids: string[]; values: number[] }> {
  const ids: string[] = [];
  const values: number[] = [];
  for await (const { records: batch, x } of imageBatches(records, slowCache(), config, {
    batchSize: 4,
    phase: 'random',
    train: true,
    seed,
  })) {
    ids.push(...batch.map((r) => r.id));
    values.push(...(await x.data()));
    tf.dispose(x);
  }
  return { ids, values };
}

describe('imageBatches', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('is reproducible for a seed however the reads interleave (random phase, crop and augmentation per record)', async () => {
    const first = await onePass(5);
    const second = await onePass(5);
    expect(second.ids).toEqual(first.ids);
    expect(second.values).toEqual(first.values);
    const other = await onePass(6);
    expect(other.values).not.toEqual(first.values);
  });
});
