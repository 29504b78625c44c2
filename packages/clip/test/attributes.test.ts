import { initBackend, Rng, tf } from 'renal-core';
import { ATTRIBUTES } from 'renal-synth';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_CLASSES,
  type AttributePredictions,
  attributeProbabilities,
  type CropCache,
  ImageModel,
  type KidneyRecord,
  pipelineConfig,
  predictAttributes,
  scoreAttributes,
} from '../src/index.js';

const UNKNOWN = ATTRIBUTE_CLASSES.map(() => -1);

/** One-hot probabilities of the given class for every attribute (class 0 where `cls` exceeds the classes). */
function oneHot(cls: (a: number) => number): number[][] {
  return ATTRIBUTE_CLASSES.map((k, a) => Array.from({ length: k }, (_, c) => (c === cls(a) ? 1 : 0)));
}

/** Kidneys stating `size` (attribute 2) only, with the given probabilities for every attribute. */
function sizeOnly(labels: number[], probs: (y: number) => number[][]): AttributePredictions {
  return {
    labels: labels.map((y) => UNKNOWN.map((u, a) => (a === 2 ? y : u))),
    probs: labels.map(probs),
  };
}

const options = { seed: 1, bootstrap: 50 };
const SIZE = 2;

describe('scoreAttributes', () => {
  it('names the 14 attributes in schema order and counts only the kidneys whose report states each', () => {
    const split = sizeOnly([0, 1, 2, 2], (y) => oneHot(() => y));
    const scores = scoreAttributes(split, split, options);
    expect(scores.map((s) => s.attribute)).toEqual(ATTRIBUTES.map((a) => a.name));
    expect(scores.map((s) => s.classes)).toEqual([...ATTRIBUTE_CLASSES]);
    expect(scores[SIZE].n).toBe(4);
    // An attribute no report states: no cases, no scores.
    expect(scores[0]).toMatchObject({
      n: 0,
      majorityAccuracy: Number.NaN,
      trainBalancedAccuracy: Number.NaN,
    });
    expect(scores[0].accuracy.value).toBeNaN();
    expect(scores[0].auc.value).toBeNaN();
  });

  it.each([
    // [case, test labels, predicted class per label, accuracy, balanced accuracy, AUC]
    ['perfect', [0, 1, 2, 2, 2, 2], (y: number) => y, 1, 1, 1],
    ['always the majority class', [0, 1, 2, 2, 2, 2], () => 2, 4 / 6, 1 / 3, 0.5],
    ['always a rare class', [0, 1, 2, 2, 2, 2], () => 0, 1 / 6, 1 / 3, 0.5],
    ['a constant answer over two classes', [0, 0, 1, 1], () => 1, 0.5, 0.5, 0.5],
  ])('%s', (_, labels, predict, accuracy, balanced, auc) => {
    const test = sizeOnly(labels, (y) => oneHot(() => predict(y)));
    const [, , size] = scoreAttributes(test, test, options);
    expect(size.accuracy.value).toBeCloseTo(accuracy, 12);
    expect(size.balancedAccuracy.value).toBeCloseTo(balanced, 12);
    expect(size.auc.value).toBeCloseTo(auc, 12);
  });

  it("scores always answering the training split's most common class, and the fit on the training split", () => {
    const train = sizeOnly([3, 3, 3, 1], (y) => oneHot(() => (y === 3 ? 3 : 0)));
    const test = sizeOnly([3, 1, 1, 0], () => oneHot(() => 0));
    const [, , size] = scoreAttributes(train, test, options);
    expect(size.majorityAccuracy).toBeCloseTo(1 / 4, 12); // class 3 is right once in four
    expect(size.trainBalancedAccuracy).toBeCloseTo(0.5, 12); // class 3 all right, class 1 all wrong
  });

  it('gives each score a bootstrap interval around it', () => {
    const rng = new Rng(3);
    const labels = Array.from({ length: 40 }, () => rng.int(5));
    const test = sizeOnly(labels, (y) => oneHot(() => (rng.bernoulli(0.6) ? y : rng.int(5))));
    const [, , size] = scoreAttributes(test, test, { seed: 2, bootstrap: 200 });
    for (const e of [size.accuracy, size.balancedAccuracy, size.auc]) {
      expect(e.low).toBeLessThanOrEqual(e.value);
      expect(e.high).toBeGreaterThanOrEqual(e.value);
      expect(e.high - e.low).toBeGreaterThan(0);
    }
  });
});

describe('attributeProbabilities', () => {
  const config = pipelineConfig('tiny', {
    cacheShape: [8, 16, 16],
    inputShape: [8, 16, 16],
    widths: [4, 4, 8, 8],
    embedDim: 8,
  });
  const records: KidneyRecord[] = Array.from({ length: 5 }, (_, i) => ({
    id: `k${i}`,
    patientId: `p${i}`,
    side: 'R',
    phases: { A: `/nowhere/${i}/A.nii.gz` },
  }));
  const rng = new Rng(5);
  const crops = new Map(records.map((r) => [r.id, Float32Array.from(rng.uniformArray(8 * 16 * 16))]));
  const cache = { get: async (r: KidneyRecord) => crops.get(r.id)! } as unknown as CropCache;

  beforeAll(async () => {
    await initBackend('cpu');
  });

  it("gives each attribute's class probabilities, whose argmax is predictAttributes, without leaking tensors", async () => {
    const model = new ImageModel(config, 3);
    const before = tf.memory().numTensors;
    const probs = await attributeProbabilities(model, records, cache, config);
    expect(tf.memory().numTensors).toBe(before);
    expect(probs).toHaveLength(records.length);
    for (const row of probs) {
      expect(row.map((p) => p.length)).toEqual([...ATTRIBUTE_CLASSES]);
      for (const p of row) expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    const predicted = await predictAttributes(model, records, cache, config);
    expect(predicted).toEqual(probs.map((row) => row.map((p) => p.indexOf(Math.max(...p)))));
    model.dispose();
  });
});
