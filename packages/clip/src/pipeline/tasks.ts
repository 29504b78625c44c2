import { harrellC, stratifyByRisk } from 'renal-survival';
import type { KidneyRecord, SurvivalOutcome } from '../data/manifest.js';
import { bootstrapCi, type Estimate, pick } from '../metrics/bootstrap.js';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/classification.js';
import type { EncoderName, KmPlot, TaskResult } from '../report/results.js';
import { rocPoints } from '../report/svg.js';
import { type HeadTraining, trainClassifierHead, trainCoxHead } from './heads.js';

/** One of the ten downstream tasks. */
export interface TaskSpec {
  name: string;
  kind: 'classification' | 'survival';
  /** Classes (classification). */
  classes: number;
  /** The label of a record, undefined when it has none (classification). */
  label?(record: KidneyRecord): number | undefined;
  /** The outcome scored (survival). */
  endpoint?: 'rfs' | 'dss' | 'os';
}

const renalPart = (part: 'R' | 'E' | 'N' | 'A' | 'L'): TaskSpec => ({
  name: part,
  kind: 'classification',
  classes: 3,
  label: (r) => r.renal?.[part],
});

/**
 * Whether a kidney has a mass: not when its first attribute (lesion count) says "none". Malignancy and
 * aggressiveness are only defined for kidneys with a mass (renal-synth marks mass-free kidneys benign).
 */
export function hasMass(record: KidneyRecord): boolean {
  return record.renal !== undefined || (record.attributes?.[0] ?? -1) !== 0;
}

/** The paper's ten tasks: R, E, N, A, L (3 classes), malignancy, aggressiveness, and RFS, DSS, OS. */
export const TASKS: readonly TaskSpec[] = [
  renalPart('R'),
  renalPart('E'),
  renalPart('N'),
  renalPart('A'),
  renalPart('L'),
  {
    name: 'malignancy',
    kind: 'classification',
    classes: 2,
    label: (r) => (hasMass(r) ? r.malignant : undefined),
  },
  {
    name: 'aggressiveness',
    kind: 'classification',
    classes: 2,
    label: (r) => (hasMass(r) ? r.aggressive : undefined),
  },
  { name: 'RFS', kind: 'survival', classes: 0, endpoint: 'rfs' },
  { name: 'DSS', kind: 'survival', classes: 0, endpoint: 'dss' },
  { name: 'OS', kind: 'survival', classes: 0, endpoint: 'os' },
];

/** Features of the records of a split, in the same order. */
export interface FeatureTable {
  records: KidneyRecord[];
  features: Float32Array[];
  /**
   * Late fusion: per record, features of every available phase. When present on the test table, the
   * classification probabilities are the mean of the head's per-phase predictions.
   */
  phaseFeatures?: Float32Array[][];
}

/** What one encoder scored on the ten tasks. */
export interface TaskEvaluation {
  rows: TaskResult[];
  roc: { task: string; encoder: EncoderName; points: [number, number][] }[];
  km: KmPlot[];
}

/** The records of a task that carry a label (≥ 0): their positions and labels. */
export function labelledRows(
  records: KidneyRecord[],
  label: (r: KidneyRecord) => number | undefined,
): { rows: number[]; labels: number[] } {
  const rows: number[] = [];
  const labels: number[] = [];
  records.forEach((r, i) => {
    const y = label(r);
    if (y !== undefined && y >= 0) {
      rows.push(i);
      labels.push(y);
    }
  });
  return { rows, labels };
}

/** Whether a classification task can be trained and scored: ≥ 4 training labels of ≥ 2 classes, ≥ 2 test labels. */
export function trainable(trainLabels: number[], testLabels: number[]): boolean {
  return trainLabels.length >= 4 && testLabels.length >= 2 && new Set(trainLabels).size >= 2;
}

function labelled(table: FeatureTable, label: (r: KidneyRecord) => number | undefined) {
  const { rows, labels } = labelledRows(table.records, label);
  return { features: rows.map((i) => table.features[i]), labels, rows };
}

/** Mean of the head's probabilities over each record's phases (late fusion). */
function fusedPredictions(
  predict: (f: Float32Array[]) => number[][],
  perRecord: Float32Array[][],
): number[][] {
  return perRecord.map((phases) => {
    const probs = predict(phases);
    return probs[0].map((_, c) => probs.reduce((s, p) => s + p[c], 0) / probs.length);
  });
}

function withOutcome(table: FeatureTable, endpoint: 'rfs' | 'dss' | 'os', malignantOnly: boolean) {
  const features: Float32Array[] = [];
  const outcomes: SurvivalOutcome[] = [];
  table.records.forEach((r, i) => {
    const outcome = r[endpoint];
    if (!outcome || (malignantOnly && r.malignant !== 1)) return;
    features.push(table.features[i]);
    outcomes.push(outcome);
  });
  return { features, outcomes };
}

const CLASSIFICATION_KEYS: (keyof ClassificationMetrics)[] = [
  'auc',
  'prAuc',
  'f1',
  'sensitivity',
  'specificity',
];

/** Trains and scores one classification task; undefined when a split lacks labels or classes. */
export function evaluateClassification(
  spec: TaskSpec,
  train: FeatureTable,
  test: FeatureTable,
  hp: HeadTraining,
  options: { seed: number; bootstrap: number },
): { probs: number[][]; labels: number[]; metrics: Record<string, Estimate> } | undefined {
  const tr = labelled(train, spec.label!);
  const te = labelled(test, spec.label!);
  if (!trainable(tr.labels, te.labels)) return undefined;
  const head = trainClassifierHead(tr.features, tr.labels, spec.classes, hp, options.seed);
  const probs = test.phaseFeatures
    ? fusedPredictions(
        (f) => head.predict(f),
        te.rows.map((i) => test.phaseFeatures![i]),
      )
    : head.predict(te.features);
  head.dispose();
  return { probs, labels: te.labels, metrics: classificationEstimates(te.labels, probs, options) };
}

/** AUC, PR-AUC, F1, sensitivity and specificity of class probabilities, each with a bootstrap CI. */
export function classificationEstimates(
  labels: number[],
  probs: number[][],
  options: { seed: number; bootstrap: number },
): Record<string, Estimate> {
  const metrics: Record<string, Estimate> = {};
  for (const key of CLASSIFICATION_KEYS) {
    metrics[key] = bootstrapCi(
      labels.length,
      (ix) => {
        const ys = pick(labels, ix);
        return new Set(ys).size < 2 ? Number.NaN : classificationMetrics(ys, pick(probs, ix))[key];
      },
      { seed: options.seed, resamples: options.bootstrap },
    );
  }
  return metrics;
}

/** Adds one classification task's scores (and its ROC curve when binary) to an evaluation. */
export function addClassification(
  evaluation: TaskEvaluation,
  spec: TaskSpec,
  encoder: EncoderName,
  result: { probs: number[][]; labels: number[]; metrics: Record<string, Estimate> },
): void {
  evaluation.rows.push({
    task: spec.name,
    kind: 'classification',
    encoder,
    n: result.labels.length,
    metrics: result.metrics,
  });
  if (spec.classes === 2) {
    evaluation.roc.push({
      task: spec.name,
      encoder,
      points: rocPoints(
        result.labels,
        result.probs.map((p) => p[1]),
      ),
    });
  }
}

/** C-index with a bootstrap CI (NaN when no pair is comparable). */
export function cIndexEstimate(
  outcomes: SurvivalOutcome[],
  risk: number[],
  seed: number,
  resamples: number,
): Estimate {
  const c = (ix: number[]) => {
    const o = pick(outcomes, ix);
    try {
      return harrellC(
        o.map((x) => x.time),
        o.map((x) => x.event),
        pick(risk, ix),
      ).concordance;
    } catch {
      return Number.NaN;
    }
  };
  return bootstrapCi(outcomes.length, c, { seed, resamples });
}

/**
 * Scores one encoder's frozen features on the ten tasks (`survivalOnly`: the three survival tasks, when the
 * classification tasks are fine-tuned instead): a classification head per classification task, and
 * one Cox head trained on RFS of malignant training cases, scored by the C-index on RFS, DSS and OS of the
 * malignant test cases, with Kaplan–Meier curves of the risk groups split at the training median.
 */
export function evaluateTasks(
  encoder: EncoderName,
  train: FeatureTable,
  test: FeatureTable,
  hp: HeadTraining,
  options: { seed: number; bootstrap: number; survivalOnly?: boolean },
): TaskEvaluation {
  const evaluation: TaskEvaluation = { rows: [], roc: [], km: [] };
  const classification = options.survivalOnly ? [] : TASKS.filter((t) => t.kind === 'classification');
  for (const spec of classification) {
    const result = evaluateClassification(spec, train, test, hp, options);
    if (result) addClassification(evaluation, spec, encoder, result);
  }
  // The paper trains the Cox head on RFS; a cohort without RFS (KiTS has only OS) trains it on OS instead.
  const events = (t: ReturnType<typeof withOutcome>) => t.outcomes.filter((o) => o.event === 1).length;
  let rfs = withOutcome(train, 'rfs', true);
  if (events(rfs) < 2) rfs = withOutcome(train, 'os', true);
  if (events(rfs) < 2) return evaluation;
  const cox = trainCoxHead(
    rfs.features,
    rfs.outcomes.map((o) => o.time),
    rfs.outcomes.map((o) => o.event),
    { ...hp, epochs: Math.max(hp.epochs, 100) },
    options.seed,
  );
  const trainRisk = cox.predict(rfs.features);
  const cut = [...trainRisk].sort((a, b) => a - b)[Math.floor(trainRisk.length / 2)];
  for (const spec of TASKS.filter((t) => t.kind === 'survival')) {
    const te = withOutcome(test, spec.endpoint!, true);
    if (te.outcomes.length < 3) continue;
    const risk = cox.predict(te.features);
    const cIndex = cIndexEstimate(te.outcomes, risk, options.seed, options.bootstrap);
    evaluation.rows.push({
      task: spec.name,
      kind: 'survival',
      encoder,
      n: te.outcomes.length,
      metrics: { cIndex },
    });
    try {
      const groups = stratifyByRisk(
        te.outcomes.map((o) => o.time),
        te.outcomes.map((o) => o.event),
        risk,
        { grouping: { method: 'cutPoints', cutPoints: [cut] }, labels: ['low risk', 'high risk'] },
      );
      evaluation.km.push({
        endpoint: spec.name,
        encoder,
        logRankP: groups.logRank?.pValue ?? Number.NaN,
        groups: groups.groups.map((g) => ({
          name: `${g.label} (n=${g.indices.length})`,
          points: [
            [0, 1] as [number, number],
            ...Array.from(g.km.times, (t, k) => [t, g.km.survival[k]] as [number, number]),
          ],
        })),
      });
    } catch {
      // Too few events in a group for a curve: the C-index row still stands.
    }
  }
  cox.dispose();
  return evaluation;
}
