import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  balancedAccuracy,
  bootstrapCi,
  classificationMetrics,
  corpusBleu,
  nanMeanSd,
  pick,
  rocAuc,
  rougeL,
  textMetrics,
} from '../src/index.js';

const reference = JSON.parse(
  readFileSync(new URL('./fixtures/metrics-reference.json', import.meta.url), 'utf8'),
);

describe('classification metrics against the hand-written Python reference', () => {
  it('AUC (with ties) and average precision', () => {
    for (const c of reference.auc) {
      expect(rocAuc(c.labels, c.scores)).toBeCloseTo(c.auc, 12);
      expect(averagePrecision(c.labels, c.scores)).toBeCloseTo(c.ap, 12);
    }
  });

  it('balanced accuracy against the confusion-matrix formula in PyTorch (a class never seen is left out)', () => {
    for (const c of reference.balancedAccuracy)
      expect(balancedAccuracy(c.labels, c.predictions)).toBeCloseTo(c.balancedAccuracy, 12);
  });

  it.each([
    [
      'a constant prediction scores 1 / classes present, however skewed',
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
      0.5,
    ],
    ['perfect predictions', [2, 0, 1, 2], [2, 0, 1, 2], 1],
    ['one class present', [1, 1, 1], [1, 0, 1], 2 / 3],
    ['no labels', [], [], Number.NaN],
  ])('balanced accuracy: %s', (_, labels, predictions, expected) => {
    expect(balancedAccuracy(labels, predictions)).toBe(expected);
  });

  it('balanced accuracy refuses mismatched lengths', () => {
    expect(() => balancedAccuracy([0, 1], [0])).toThrow(/2 labels but 1 scores/);
  });

  it('AUC is NaN with one class, 1 for perfect ranking', () => {
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9])).toBe(1);
  });

  it('thresholded metrics of a worked binary example', () => {
    // predictions (argmax): 1,1,0,0,1 against labels 1,0,0,1,1 → tp 2, fp 1, fn 1, tn 1
    const probs = [
      [0.2, 0.8],
      [0.4, 0.6],
      [0.9, 0.1],
      [0.7, 0.3],
      [0.1, 0.9],
    ];
    const m = classificationMetrics([1, 0, 0, 1, 1], probs);
    expect(m.sensitivity).toBeCloseTo(2 / 3);
    expect(m.specificity).toBeCloseTo(1 / 2);
    expect(m.f1).toBeCloseTo(4 / 6);
    expect(m.accuracy).toBeCloseTo(3 / 5);
    expect(m.auc).toBeCloseTo(rocAuc([1, 0, 0, 1, 1], [0.8, 0.6, 0.1, 0.3, 0.9]));
  });

  it('macro one-vs-rest for three classes', () => {
    const labels = [0, 1, 2, 0, 1, 2];
    const probs = [
      [0.7, 0.2, 0.1],
      [0.1, 0.8, 0.1],
      [0.2, 0.2, 0.6],
      [0.3, 0.4, 0.3],
      [0.5, 0.4, 0.1],
      [0.1, 0.1, 0.8],
    ];
    const m = classificationMetrics(labels, probs);
    const perClass = [0, 1, 2].map((c) =>
      rocAuc(
        labels.map((y) => (y === c ? 1 : 0)),
        probs.map((p) => p[c]),
      ),
    );
    expect(m.auc).toBeCloseTo((perClass[0] + perClass[1] + perClass[2]) / 3);
    expect(() => classificationMetrics([3], [[0.5, 0.5]])).toThrow(/outside/);
  });

  it('bootstrap CIs are seeded, bracket the estimate and narrow with more data', () => {
    const labels = Array.from({ length: 200 }, (_, i) => i % 2);
    const scores = labels.map((y, i) => y * 0.6 + ((i * 7919) % 100) / 100);
    const metric = (ix: number[]) => rocAuc(pick(labels, ix), pick(scores, ix));
    const a = bootstrapCi(200, metric, { seed: 5, resamples: 300 });
    expect(bootstrapCi(200, metric, { seed: 5, resamples: 300 })).toEqual(a);
    expect(a.low).toBeLessThan(a.value);
    expect(a.high).toBeGreaterThan(a.value);
    const small = bootstrapCi(40, (ix) => metric(ix), { seed: 5, resamples: 300 });
    expect(small.high - small.low).toBeGreaterThan(a.high - a.low);
  });
});

describe('text metrics against the hand-written Python reference', () => {
  const t = reference.text;
  it('corpus BLEU-1/2/4 and ROUGE-L', () => {
    const m = textMetrics(t.hyps, t.refs);
    expect(m.bleu1).toBeCloseTo(t.bleu1, 12);
    expect(m.bleu2).toBeCloseTo(t.bleu2, 12);
    expect(m.bleu4).toBeCloseTo(t.bleu4, 12);
    expect(m.rougeL).toBeCloseTo(t.rougeL, 12);
  });

  it('identical texts score 1, disjoint texts 0', () => {
    expect(corpusBleu(['the cat sat on the mat'], ['the cat sat on the mat'])).toBeCloseTo(1);
    expect(rougeL('a b c', 'a b c')).toBeCloseTo(1);
    expect(rougeL('a b c', 'x y z')).toBe(0);
    expect(corpusBleu(['a b c d'], ['x y z w'])).toBe(0);
  });
});

describe('nanMeanSd', () => {
  it('is the mean and sample sd of the finite values, with no sd from one value', () => {
    const { mean, sd } = nanMeanSd([1, 2, Number.NaN, 3]);
    expect(mean).toBe(2);
    expect(sd).toBe(1);
    expect(nanMeanSd([4, Number.NaN])).toEqual({ mean: 4, sd: Number.NaN });
    expect(nanMeanSd([])).toEqual({ mean: Number.NaN, sd: Number.NaN });
  });
});
