import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DirectionMetrics,
  GroupError,
  retrievalMetrics,
  retrievalMetricsFromSimilarity,
  rocAuc,
  rocAucOneVsRest,
  ShapeError,
} from '../src/index.js';
import { fixture } from './helpers.js';

interface AucFixture {
  binary: Array<{ scores: number[]; labels: number[]; auc: number }>;
  multiclass: { scores: number[][]; labels: number[]; auc: number };
}
interface ReferenceDirection {
  recall: Record<string, number>;
  medianRank: number;
  meanRank: number;
  mAP: number;
  ranks: number[];
}
interface RetrievalFixture {
  similarities: number[][];
  imageGroups: number[];
  textGroups: number[];
  imageToText: ReferenceDirection;
  textToImage: ReferenceDirection;
}

function expectDirection(actual: DirectionMetrics, expected: ReferenceDirection) {
  expect(Array.from(actual.ranks)).toEqual(expected.ranks);
  for (const k of [1, 3, 5, 10]) expect(actual.recall[k]).toBeCloseTo(expected.recall[String(k)], 12);
  expect(actual.medianRank).toBe(expected.medianRank);
  expect(actual.meanRank).toBeCloseTo(expected.meanRank, 12);
  expect(actual.mAP).toBeCloseTo(expected.mAP, 12);
}

describe('ROC AUC vs a brute-force pair count (numpy)', () => {
  const golden = fixture<AucFixture>('auc.json');
  it.each(golden.binary.map((c, i) => [i, c] as const))('binary case %i (ties counted ½)', (_, c) => {
    expect(rocAuc(c.scores, c.labels)).toBeCloseTo(c.auc, 12);
  });
  it('multiclass macro one-vs-rest', () => {
    expect(rocAucOneVsRest(golden.multiclass.scores, golden.multiclass.labels)).toBeCloseTo(
      golden.multiclass.auc,
      12,
    );
  });
  it('rejects one-class labels and bad input', () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(ShapeError);
    expect(() => rocAuc([0.1, Number.NaN], [0, 1])).toThrow(/not finite/);
    expect(() => rocAuc([0.1], [0, 1])).toThrow(ShapeError);
    expect(() => rocAuc([0.1, 0.2], [0, 2])).toThrow(/not 0 or 1/);
  });
});

describe('retrieval metrics vs explicit sorting (numpy)', () => {
  const golden = fixture<RetrievalFixture[]>('retrieval.json');
  it.each(golden.map((c, i) => [i, c] as const))('case %i (groups, ties, rectangular)', (_, c) => {
    const [n, m] = [c.similarities.length, c.similarities[0].length];
    const result = retrievalMetricsFromSimilarity(c.similarities.flat(), n, m, {
      imageGroups: c.imageGroups,
      textGroups: c.textGroups,
    });
    expectDirection(result.imageToText, c.imageToText);
    expectDirection(result.textToImage, c.textToImage);
    for (const k of [1, 3, 5, 10]) {
      expect(result.meanRecall[k]).toBeCloseTo((c.imageToText.recall[k] + c.textToImage.recall[k]) / 2, 12);
    }
  });
});

describe.each(['cpu', 'wasm'])('retrievalMetrics on tensors (%s)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend as 'cpu');
  });

  it('equals the similarity-matrix version on the cosines, across query chunks', async () => {
    const rng = new Rng(9);
    const [n, m, d] = [11, 7, 5];
    const x = rng.normalArray(n * d);
    const y = rng.normalArray(m * d);
    const imageGroups = Array.from({ length: n }, (_, i) => i % m);
    const textGroups = Array.from({ length: m }, (_, j) => j);
    const cosine = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let [ab, aa, bb] = [0, 0, 0];
      for (let k = 0; k < d; k++) {
        ab += a[i * d + k] * b[j * d + k];
        aa += a[i * d + k] ** 2;
        bb += b[j * d + k] ** 2;
      }
      return ab / Math.sqrt(aa * bb);
    };
    const sims = Array.from({ length: n * m }, (_, q) => cosine(x, Math.floor(q / m), y, q % m));
    const expected = retrievalMetricsFromSimilarity(sims, n, m, { imageGroups, textGroups });
    await assertNoLeaks(async () => {
      const [images, texts] = [tf.tensor2d(x, [n, d]), tf.tensor2d(y, [m, d])];
      const got = await retrievalMetrics(images, texts, { imageGroups, textGroups, chunkSize: 4 });
      expect(Array.from(got.imageToText.ranks)).toEqual(Array.from(expected.imageToText.ranks));
      expect(Array.from(got.textToImage.ranks)).toEqual(Array.from(expected.textToImage.ranks));
      expect(got.imageToText.mAP).toBeCloseTo(expected.imageToText.mAP, 6);
      expect(got.textToImage.mAP).toBeCloseTo(expected.textToImage.mAP, 6);
      return [images, texts];
    }, 'retrievalMetrics');
  });

  it('identical report texts sharing a group all count as hits', async () => {
    // Four images; images 0 and 1 come from the same report, so texts 0 and 1 are identical.
    const images = tf.tensor2d([
      [1, 0, 0],
      [0.9, 0.1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const texts = tf.tensor2d([
      [1, 0.05, 0],
      [1, 0.05, 0],
      [0, 1, 0.1],
      [0, 0.1, 1],
    ]);
    await assertNoLeaks(async () => {
      const withGroups = await retrievalMetrics(images, texts, { imageGroups: [0, 0, 1, 2] });
      expect(withGroups.imageToText.recall[1]).toBe(1);
      expect(withGroups.textToImage.recall[1]).toBe(1);
      expect(withGroups.imageToText.mAP).toBe(1);
      const withoutGroups = await retrievalMetrics(images, texts);
      // Without groups the duplicate text ties with the right one and ranks pessimistically.
      expect(withoutGroups.imageToText.recall[1]).toBe(0.5);
    }, 'duplicates');
    expect(() => retrievalMetricsFromSimilarity([1, 2, 3], 2, 2)).toThrow(ShapeError);
    await expect(
      retrievalMetrics(images, texts, { imageGroups: [0, 1, 2, 9], textGroups: [0, 1, 2, 3] }),
    ).rejects.toThrow(GroupError);
    tf.dispose([images, texts]);
  });
});
