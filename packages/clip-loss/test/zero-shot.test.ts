import { assertNoLeaks, initBackend, Rng, tf } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildZeroShotClassifier,
  expandPrompts,
  INVASIVENESS_PROMPTS,
  MALIGNANCY_PROMPTS,
  type PromptSet,
  PromptSetError,
  promptSensitivity,
  rocAuc,
  ShapeError,
  validatePromptSet,
  zeroShotAuc,
} from '../src/index.js';

const DIM = 8;

/** A deterministic stand-in for the text encoder: a pseudo-random vector per text (seeded by its hash). */
function fakeVector(text: string): Float32Array {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  const v = new Rng(hash).normalArray(DIM);
  if (text.includes('malignant') || text.includes('carcinoma')) v[0] += 2; // a class signal on axis 0
  return v;
}

function fakeEmbedder(calls: number[]) {
  return async (texts: string[]) => {
    calls.push(texts.length);
    const flat = new Float32Array(texts.length * DIM);
    texts.forEach((t, i) => {
      flat.set(fakeVector(t), i * DIM);
    });
    return tf.tensor2d(flat, [texts.length, DIM]);
  };
}

const normalise = (v: ArrayLike<number>) => {
  const norm = Math.hypot(...Array.from(v));
  return Array.from(v, (x) => x / norm);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('prompt sets', () => {
  it.each([MALIGNANCY_PROMPTS, INVASIVENESS_PROMPTS])(
    '$name: 20 templates × 5 descriptions per class',
    (set) => {
      expect(set.templates).toHaveLength(20);
      expect(set.classes).toHaveLength(2);
      for (const cls of set.classes) expect(cls.descriptions).toHaveLength(5);
      const prompts = expandPrompts(set);
      for (const perClass of prompts) {
        expect(perClass).toHaveLength(100);
        expect(new Set(perClass).size).toBe(100);
        for (const prompt of perClass) expect(prompt).not.toContain('{}');
      }
      expect(prompts[0][0]).toBe(set.templates[0].replace('{}', set.classes[0].descriptions[0]));
    },
  );

  it('validates users’ sets with typed errors', () => {
    const good: PromptSet = {
      name: 'mine',
      templates: ['CT: {}.'],
      classes: [
        { name: 'a', descriptions: ['x'] },
        { name: 'b', descriptions: ['y'] },
      ],
    };
    expect(validatePromptSet(JSON.parse(JSON.stringify(good))).name).toBe('mine');
    expect(() => validatePromptSet({ ...good, templates: ['no placeholder'] })).toThrow(PromptSetError);
    expect(() => validatePromptSet({ ...good, templates: ['{} and {}'] })).toThrow(/exactly one/);
    expect(() => validatePromptSet({ ...good, classes: [good.classes[0]] })).toThrow(/at least two/);
    expect(() => validatePromptSet({ ...good, classes: [good.classes[0], good.classes[0]] })).toThrow(
      /unique/,
    );
    expect(() =>
      validatePromptSet({ ...good, classes: [good.classes[0], { name: 'b', descriptions: [] }] }),
    ).toThrow(/descriptions/);
    expect(() => validatePromptSet(null)).toThrow(PromptSetError);
  });
});

describe('zero-shot classifier (cpu)', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('prototypes are the renormalised mean of normalised prompt embeddings; max scoring takes the best prompt', async () => {
    const calls: number[] = [];
    const images = [fakeVector('image one'), fakeVector('image two malignant'), fakeVector('image three')];
    await assertNoLeaks(async () => {
      const classifier = await buildZeroShotClassifier(MALIGNANCY_PROMPTS, fakeEmbedder(calls), {
        batchSize: 64,
      });
      const imageTensor = tf.tensor2d(images.map((v) => Array.from(v)));
      const outputs = [
        classifier.similarities(imageTensor, 'mean'),
        classifier.similarities(imageTensor, 'max'),
        classifier.probabilities(imageTensor, 'mean', 100),
      ];
      const [meanScores, maxScores, probabilities] = await Promise.all(outputs.map((t) => t.array()));
      const prompts = expandPrompts(MALIGNANCY_PROMPTS).map((list) =>
        list.map((p) => normalise(fakeVector(p))),
      );
      const prototypes = prompts.map((list) =>
        normalise(Array.from({ length: DIM }, (_, d) => list.reduce((s, v) => s + v[d], 0) / list.length)),
      );
      images.forEach((raw, i) => {
        const image = normalise(raw);
        prototypes.forEach((p, k) => {
          expect(meanScores[i][k]).toBeCloseTo(dot(image, p), 5);
          expect(maxScores[i][k]).toBeCloseTo(Math.max(...prompts[k].map((v) => dot(image, v))), 5);
        });
        const logits = prototypes.map((p) => 100 * dot(image, p));
        const top = Math.max(...logits);
        const total = logits.reduce((s, l) => s + Math.exp(l - top), 0);
        expect(probabilities[i][1]).toBeCloseTo(Math.exp(logits[1] - top) / total, 4);
      });
      expect(classifier.classNames).toEqual(['benign', 'malignant']);
      expect(classifier.promptCounts).toEqual([100, 100]);
      classifier.dispose();
      return [imageTensor, outputs];
    }, 'zero-shot classifier');
    expect(calls).toEqual([64, 36, 64, 36]);
  });

  it('rejects an embedder that returns the wrong number of rows, without leaking', async () => {
    await assertNoLeaks(async () => {
      const wrong = async (texts: string[]) => tf.zeros([texts.length + 1, DIM]) as tf.Tensor2D;
      await expect(buildZeroShotClassifier(MALIGNANCY_PROMPTS, wrong)).rejects.toThrow(ShapeError);
    }, 'bad embedder');
  });

  it('prompt sensitivity: seeded, one AUC per random prompt pair, each equal to a direct recomputation', async () => {
    const rng = new Rng(11);
    const numImages = 30;
    const labels = Array.from({ length: numImages }, (_, i) => i % 2);
    const images = labels.map((label) => {
      const v = rng.normalArray(DIM);
      v[0] += label * 1.5;
      return Array.from(v);
    });
    await assertNoLeaks(async () => {
      const classifier = await buildZeroShotClassifier(MALIGNANCY_PROMPTS, fakeEmbedder([]));
      const imageTensor = tf.tensor2d(images);
      const result = await promptSensitivity(classifier, imageTensor, labels, { draws: 200, seed: 5 });
      const again = await promptSensitivity(classifier, imageTensor, labels, { draws: 200, seed: 5 });
      expect(Array.from(again.aucs)).toEqual(Array.from(result.aucs));
      expect(result.aucs).toHaveLength(200);
      const prompts = expandPrompts(MALIGNANCY_PROMPTS).map((list) =>
        list.map((p) => normalise(fakeVector(p))),
      );
      for (let d = 0; d < 200; d += 37) {
        const [p0, p1] = result.prompts[d];
        const scores = images.map((raw) => {
          const image = normalise(raw);
          return dot(image, prompts[1][p1]) - dot(image, prompts[0][p0]);
        });
        expect(result.aucs[d]).toBeCloseTo(rocAuc(scores, labels), 6);
      }
      const mean = result.aucs.reduce((s, a) => s + a, 0) / 200;
      expect(result.mean).toBeCloseTo(mean, 10);
      expect(result.min).toBeLessThanOrEqual(result.q025);
      expect(result.q975).toBeLessThanOrEqual(result.max);
      expect(new Set(result.prompts.map((p) => p.join())).size).toBeGreaterThan(150);
      classifier.dispose();
      return imageTensor;
    }, 'prompt sensitivity');
  });

  it('zeroShotAuc by mean prototypes and by the best prompt equals AUCs recomputed in plain JS', async () => {
    const rng = new Rng(12);
    const labels = Array.from({ length: 26 }, (_, i) => (i * 7) % 2);
    const images = labels.map((label) => {
      const v = rng.normalArray(DIM);
      v[0] += label;
      return Array.from(v);
    });
    const prompts = expandPrompts(MALIGNANCY_PROMPTS).map((list) =>
      list.map((p) => normalise(fakeVector(p))),
    );
    const prototypes = prompts.map((list) =>
      normalise(Array.from({ length: DIM }, (_, d) => list.reduce((s, v) => s + v[d], 0) / list.length)),
    );
    const meanScores = images.map(
      (raw) => dot(normalise(raw), prototypes[1]) - dot(normalise(raw), prototypes[0]),
    );
    const best = (image: number[], k: number) => Math.max(...prompts[k].map((v) => dot(image, v)));
    const maxScores = images.map((raw) => best(normalise(raw), 1) - best(normalise(raw), 0));
    await assertNoLeaks(async () => {
      const classifier = await buildZeroShotClassifier(MALIGNANCY_PROMPTS, fakeEmbedder([]));
      const imageTensor = tf.tensor2d(images);
      expect(await zeroShotAuc(classifier, imageTensor, labels, 'mean')).toBeCloseTo(
        rocAuc(meanScores, labels),
        6,
      );
      expect(await zeroShotAuc(classifier, imageTensor, labels, 'max')).toBeCloseTo(
        rocAuc(maxScores, labels),
        6,
      );
      classifier.dispose();
      return imageTensor;
    }, 'zeroShotAuc');
  });

  it('prompt sensitivity with three classes uses macro one-vs-rest AUC', async () => {
    const set: PromptSet = {
      name: 'three',
      templates: ['CT shows {}.', 'Kidney with {}.'],
      classes: [
        { name: 'a', descriptions: ['a cyst', 'a simple cyst'] },
        { name: 'b', descriptions: ['a malignant mass', 'a carcinoma'] },
        { name: 'c', descriptions: ['a stone', 'a calculus'] },
      ],
    };
    const rng = new Rng(2);
    const labels = Array.from({ length: 24 }, (_, i) => i % 3);
    await assertNoLeaks(async () => {
      const classifier = await buildZeroShotClassifier(set, fakeEmbedder([]));
      const images = tf.tensor2d(rng.normalArray(24 * DIM), [24, DIM]);
      const result = await promptSensitivity(classifier, images, labels, { draws: 20, rng });
      expect(result.prompts[0]).toHaveLength(3);
      for (const auc of result.aucs) expect(auc).toBeGreaterThanOrEqual(0);
      classifier.dispose();
      return images;
    }, 'three classes');
  });
});
