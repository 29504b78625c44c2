import { tf } from 'renal-core';
import {
  buildZeroShotClassifier,
  expandPrompts,
  INVASIVENESS_PROMPTS,
  MALIGNANCY_PROMPTS,
  type PromptSet,
  promptSensitivity,
} from 'renal-clip-loss';
import type { KidneyRecord } from '../data/manifest.js';
import { bootstrapCi, pick } from '../metrics/bootstrap.js';
import { rocAuc } from '../metrics/classification.js';
import { textMetrics } from '../metrics/text.js';
import type {
  ReportGenerationResult,
  RetrievalExample,
  RetrievalResult,
  ZeroShotResult,
} from '../report/results.js';
import { concat, reportGroups } from './stage2-align.js';
import { hasMass } from './tasks.js';
import type { TextEncoder } from './text.js';

/** Cosine similarity of two unit vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A zero-shot task: which records, their binary labels, and the prompt set. */
export interface ZeroShotTask {
  name: string;
  prompts: PromptSet;
  label(record: KidneyRecord): number | undefined;
}

/** Malignancy (benign 0 / malignant 1) and invasiveness (confined 0 / invasive 1, from the invasion attribute). */
export const ZERO_SHOT_TASKS: ZeroShotTask[] = [
  { name: 'malignancy', prompts: MALIGNANCY_PROMPTS, label: (r) => (hasMass(r) ? r.malignant : undefined) },
  {
    name: 'invasiveness',
    prompts: INVASIVENESS_PROMPTS,
    // Attribute 12 is the furthest local extension: 0 confined, ≥ 1 beyond the kidney.
    label: (r) =>
      hasMass(r) && r.attributes && r.attributes[12] >= 0 ? Number(r.attributes[12] > 0) : undefined,
  },
];

/**
 * Every text the pipeline's text encoder embeds — the cohort's reports and the zero-shot prompts — whose tokens
 * make up the encoder's vocabulary ({@link Llm2VecTextInputs.vocabulary}). One list, so that a script reloading a
 * run's encoder gives it the vocabulary the run trained.
 */
export function textVocabulary(reports: string[]): string[] {
  return [...reports, ...ZERO_SHOT_TASKS.flatMap((t) => expandPrompts(t.prompts).flat())];
}

/**
 * Zero-shot classification with prompt ensembles, scored three ways: cosine to the class prototype (mean of
 * normalised prompt embeddings), best single prompt, and the AUC spread over random prompt pairs. With
 * `source: 'report'` the "images" are the true reports' embeddings: the text side's ceiling (two scorings).
 */
export async function zeroShot(
  task: ZeroShotTask,
  records: KidneyRecord[],
  imageEmbeddings: Float32Array[],
  text: TextEncoder,
  options: { seed: number; bootstrap: number; draws?: number; source?: 'image' | 'report' },
): Promise<ZeroShotResult[]> {
  const source = options.source ?? 'image';
  const keep = records.map((r, i) => [task.label(r), i] as const).filter(([y]) => y !== undefined && y >= 0);
  const labels = keep.map(([y]) => y as number);
  if (new Set(labels).size < 2) return [];
  const vectors = keep.map(([, i]) => imageEmbeddings[i]);
  const embed = async (texts: string[]) => {
    const rows = await text.embed(texts);
    return tf.tensor2d(concat(rows), [rows.length, text.dim]);
  };
  const classifier = await buildZeroShotClassifier(task.prompts, embed);
  const images = tf.tensor2d(concat(vectors), [vectors.length, vectors[0].length]);
  try {
    const results: ZeroShotResult[] = [];
    for (const [mode, scoring] of [
      ['mean-prototype', 'mean'],
      ['max-similarity', 'max'],
    ] as const) {
      const sims = classifier.similarities(images, scoring);
      const rows = sims.arraySync() as number[][];
      sims.dispose();
      const score = rows.map((r) => r[1] - r[0]);
      const auc = bootstrapCi(labels.length, (ix) => rocAuc(pick(labels, ix), pick(score, ix)), {
        seed: options.seed,
        resamples: options.bootstrap,
      });
      results.push({ task: task.name, mode, source, auc });
    }
    // The prompt-sensitivity spread is an experiment on images; for the text ceiling the two scorings suffice.
    if (source === 'report') return results;
    const sensitivity = await promptSensitivity(classifier, images, labels, {
      draws: options.draws ?? 1000,
      seed: options.seed,
    });
    const sorted = Array.from(sensitivity.aucs).sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
    results.push({
      task: task.name,
      mode: 'prompt-pairs',
      source,
      auc: { value: sensitivity.mean, low: sensitivity.q025, high: sensitivity.q975 },
      spread: {
        min: sensitivity.min,
        q25: q(0.25),
        median: sensitivity.median,
        q75: q(0.75),
        max: sensitivity.max,
        pairs: sorted.length,
      },
    });
    return results;
  } finally {
    images.dispose();
    classifier.dispose();
  }
}

/** Expected Recall@k of a random ranking when query q has g_q relevant among n candidates. */
export function chanceRecall(relevantCounts: number[], n: number, k: number): number {
  const miss = (g: number) => {
    let p = 1;
    for (let i = 0; i < Math.min(k, n); i++) p *= (n - g - i) / (n - i);
    return Math.max(0, p);
  };
  return relevantCounts.reduce((s, g) => s + (1 - miss(g)), 0) / relevantCounts.length;
}

/**
 * Retrieval Recall@1/3/5 image→text and text→image (and mean) among the given records, identical reports
 * counting as hits, plus the chance level and a few examples (top-3 reports for the first images).
 */
export function retrieval(
  records: KidneyRecord[],
  images: Float32Array[],
  texts: Float32Array[],
  examples = 4,
): { rows: RetrievalResult[]; examples: RetrievalExample[] } {
  const n = records.length;
  const groups = reportGroups(records);
  const sim = images.map((a) => texts.map((b) => dot(a, b)));
  const rankHits = (scores: number[], query: number, k: number) => {
    const order = scores.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]);
    return order.slice(0, k).some(([, j]) => groups[j] === groups[query]);
  };
  const recall = (direction: 'i2t' | 't2i', k: number) => {
    let hits = 0;
    for (let q = 0; q < n; q++) {
      const scores = direction === 'i2t' ? sim[q] : sim.map((row) => row[q]);
      if (rankHits(scores, q, k)) hits++;
    }
    return hits / n;
  };
  const relevant = groups.map((g) => groups.filter((h) => h === g).length);
  const chance5 = chanceRecall(relevant, n, 5);
  const i2t = { r1: recall('i2t', 1), r3: recall('i2t', 3), r5: recall('i2t', 5) };
  const t2i = { r1: recall('t2i', 1), r3: recall('t2i', 3), r5: recall('t2i', 5) };
  const rows: RetrievalResult[] = [
    { direction: 'image→text', ...i2t, chance5, candidates: n },
    { direction: 'text→image', ...t2i, chance5, candidates: n },
    {
      direction: 'mean',
      r1: (i2t.r1 + t2i.r1) / 2,
      r3: (i2t.r3 + t2i.r3) / 2,
      r5: (i2t.r5 + t2i.r5) / 2,
      chance5,
      candidates: n,
    },
  ];
  const shown: RetrievalExample[] = [];
  for (let q = 0; q < Math.min(examples, n); q++) {
    const top = sim[q]
      .map((s, j) => [s, j] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3);
    shown.push({
      id: records[q].id,
      truth: records[q].report ?? '',
      retrieved: top.map(([s, j]) => ({
        text: records[j].report ?? '',
        similarity: s,
        correct: groups[j] === groups[q],
      })),
    });
  }
  return { rows, examples: shown };
}

/** The most frequent training report; when all are unique, the medoid (highest mean similarity to the rest). */
export function mostCommonReport(reports: string[], embeddings: Float32Array[]): string {
  const counts = new Map<string, number>();
  for (const r of reports) counts.set(r, (counts.get(r) ?? 0) + 1);
  const [best, count] = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (count > 1) return best;
  const mean = new Float32Array(embeddings[0].length);
  for (const e of embeddings) for (let d = 0; d < mean.length; d++) mean[d] += e[d];
  let bestIndex = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  embeddings.forEach((e, i) => {
    const s = dot(e, mean);
    if (s > bestScore) {
      bestScore = s;
      bestIndex = i;
    }
  });
  return reports[bestIndex];
}

/** Agreement of predicted attributes with a report's stated ones (unknown attributes are skipped). */
function attributeAgreement(predicted: number[], stated: number[] | undefined): number {
  if (!stated) return -1;
  let agree = 0;
  for (let a = 0; a < predicted.length; a++) if (stated[a] >= 0 && stated[a] === predicted[a]) agree++;
  return agree;
}

/**
 * Report generation sized for a CPU, three ways, scored with BLEU-1/2/4 and ROUGE-L against the true reports:
 * retrieval-based (the training report nearest to the image in the shared space), attribute-based (the training
 * report whose stated attributes agree most with the predicted attributes), and the most-common-report baseline.
 */
export function reportGeneration(inputs: {
  train: KidneyRecord[];
  trainTexts: Float32Array[];
  test: KidneyRecord[];
  testImages: Float32Array[];
  testAttributes: number[][];
}): ReportGenerationResult[] {
  const train = inputs.train.filter((r) => r.report);
  const trainTexts = inputs.train
    .map((r, i) => [r, inputs.trainTexts[i]] as const)
    .filter(([r]) => r.report)
    .map(([, t]) => t);
  const keep = inputs.test.map((_, i) => i).filter((i) => inputs.test[i].report);
  const truths = keep.map((i) => inputs.test[i].report!);
  const retrieved = keep.map((i) => {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    trainTexts.forEach((t, j) => {
      const s = dot(inputs.testImages[i], t);
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    });
    return train[best].report!;
  });
  const byAttributes = keep.map((i) => {
    let best = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    train.forEach((r, j) => {
      const s = attributeAgreement(inputs.testAttributes[i], r.attributes);
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    });
    return train[best].report!;
  });
  const common = mostCommonReport(
    train.map((r) => r.report!),
    trainTexts,
  );
  const rows: [string, string[]][] = [
    ['retrieval (nearest training report in the shared space)', retrieved],
    ['attributes (training report matching the predicted attributes)', byAttributes],
    ['baseline: most common report', truths.map(() => common)],
  ];
  return rows.map(([method, hypotheses]) => ({
    method,
    ...textMetrics(hypotheses, truths),
    example: truths.length ? { truth: truths[0], generated: hypotheses[0] } : undefined,
  }));
}
