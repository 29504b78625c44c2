import { initBackend } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_CLASSES,
  evaluateTasks,
  type KidneyRecord,
  pipelineConfig,
  reportAttributeFeatures,
} from '../src/index.js';

beforeAll(async () => {
  await initBackend('cpu');
});

function kidney(id: number, attributes: number[] | undefined, malignant: 0 | 1): KidneyRecord {
  return {
    id: `k${id}`,
    patientId: `p${id}`,
    side: 'L',
    phases: { A: 'a.nii.gz' },
    center: [0, 0, 0],
    attributes,
    malignant,
  } as KidneyRecord;
}

describe('reportAttributeFeatures', () => {
  it('lays the 14 attributes out one-hot, side by side; unknown and missing are zeros', () => {
    const width = ATTRIBUTE_CLASSES.reduce((s, c) => s + c, 0);
    expect(width).toBe(60);
    const attributes = ATTRIBUTE_CLASSES.map((c, a) => (a === 3 ? -1 : c - 1));
    const [row, empty] = reportAttributeFeatures([kidney(0, attributes, 1), kidney(1, undefined, 0)]);
    expect(row).toHaveLength(width);
    // Each known attribute sets the last slot of its block; attribute 3 (unknown) sets none.
    const expected = new Float32Array(width);
    let offset = 0;
    ATTRIBUTE_CLASSES.forEach((c, a) => {
      if (a !== 3) expected[offset + c - 1] = 1;
      offset += c;
    });
    expect(Array.from(row)).toEqual(Array.from(expected));
    expect(Array.from(empty).every((v) => v === 0)).toBe(true);
  });

  it('carries what the reports state into the task heads: a label set by an attribute is found', () => {
    // Malignant exactly when the composition (attribute 1) is solid (0) — what a cystic/solid rule says.
    const records = Array.from({ length: 120 }, (_, i) => {
      const composition = i % 4;
      const attributes = ATTRIBUTE_CLASSES.map((_, a) =>
        a === 0 ? 1 : a === 1 ? composition : (i * 7 + a) % 2,
      );
      return kidney(i, attributes, composition === 0 ? 1 : 0);
    });
    const table = (rs: KidneyRecord[]) => ({ records: rs, features: reportAttributeFeatures(rs) });
    const { rows } = evaluateTasks(
      'reports',
      table(records.slice(0, 80)),
      table(records.slice(80)),
      pipelineConfig('tiny').task,
      { seed: 0, bootstrap: 0 },
    );
    const malignancy = rows.find((r) => r.task === 'malignancy');
    expect(malignancy?.encoder).toBe('reports');
    expect(malignancy?.metrics.auc.value).toBeGreaterThan(0.99);
  });
});
