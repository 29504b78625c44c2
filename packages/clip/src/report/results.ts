import type { PipelineConfig } from '../pipeline/config.js';
import type { Estimate } from '../metrics/bootstrap.js';
import type { TextMetrics } from '../metrics/text.js';

/**
 * What the task heads are trained on: the three image encoders compared on every task, and `reports` — each
 * kidney's own report attributes, a reference: for what the reports state (size, composition, location,
 * hence malignancy, aggressiveness and outcome), the most that report-derived supervision can teach an image
 * encoder.
 */
export type EncoderName = 'scratch' | 'stage1' | 'renalclip' | 'reports';
/** The image encoders: every encoder but the report-attribute reference. */
export type ImageEncoderName = Exclude<EncoderName, 'reports'>;
/** Human names of the encoders. */
export const ENCODER_LABELS: Record<EncoderName, string> = {
  scratch: 'from scratch',
  stage1: 'stage-1 only',
  renalclip: 'RenalCLIP',
  reports: 'report attributes (reference)',
};

/** One task × encoder row: named metrics with 95 % bootstrap CIs. */
export interface TaskResult {
  task: string;
  kind: 'classification' | 'survival';
  encoder: EncoderName;
  /** Test cases scored. */
  n: number;
  metrics: Record<string, Estimate>;
}

/** A curve of a plot. */
export interface CurveData {
  name: string;
  points: [number, number][];
}

/** Kaplan–Meier curves of predicted risk groups for one endpoint. */
export interface KmPlot {
  endpoint: string;
  encoder: EncoderName;
  groups: CurveData[];
  logRankP: number;
}

/** One point of a data-efficiency curve (mean over seeds). */
export interface DataEfficiencyPoint {
  task: string;
  encoder: EncoderName;
  fraction: number;
  mean: number;
  /** Sample standard deviation over the seeds (NaN with one seed). */
  sd: number;
  seeds: number;
  metric: string;
}

/** Zero-shot result for one task and scoring mode. */
export interface ZeroShotResult {
  task: string;
  mode: 'mean-prototype' | 'max-similarity' | 'prompt-pairs';
  /**
   * What was classified: the test images' embeddings (the experiment), or the embeddings of their true reports
   * — the text side's ceiling, since image embeddings are trained to imitate those (default `image`).
   */
  source?: 'image' | 'report';
  auc: Estimate;
  /** For prompt pairs: the AUC spread over random pairs. */
  spread?: { min: number; q25: number; median: number; q75: number; max: number; pairs: number };
}

/** Retrieval recall in one direction. */
export interface RetrievalResult {
  direction: 'image→text' | 'text→image' | 'mean';
  r1: number;
  r3: number;
  r5: number;
  /** Recall@5 of random ranking: 5 / candidates. */
  chance5: number;
  candidates: number;
}

/** A retrieval example for the HTML report. */
export interface RetrievalExample {
  id: string;
  truth: string;
  retrieved: { text: string; similarity: number; correct: boolean }[];
}

/** Report-generation scores of one method. */
export interface ReportGenerationResult extends TextMetrics {
  method: string;
  example?: { truth: string; generated: string };
}

/**
 * Stage 1's reading of one report attribute on the test split (the kidneys whose report states it): how often
 * the attribute head's argmax is right, plainly and per class, and how well its probabilities rank.
 */
export interface AttributeScore {
  /** The attribute's snake_case name (renal-synth's `ATTRIBUTES`). */
  attribute: string;
  classes: number;
  /** Test kidneys whose report states the attribute. */
  n: number;
  accuracy: Estimate;
  /** Mean recall over the classes present: 1 / (classes present) for a constant answer. */
  balancedAccuracy: Estimate;
  /** Macro one-vs-rest AUC over the classes present (of class 1 for a two-class attribute). */
  auc: Estimate;
  /** Accuracy of always answering the training split's most common class. */
  majorityAccuracy: number;
  /** Balanced accuracy on the training split: against the test figure, how well stage 1 fitted. */
  trainBalancedAccuracy: number;
}

/**
 * One quality-bar criterion as measured: a score (an AUC, a C-index, a ratio to chance) or a count of tasks.
 * The unit decides how it prints: a score always with three decimals (an AUC of exactly 1 reads "1.000"), a
 * count as a whole number.
 */
export interface QualityCriterion {
  name: string;
  value: number;
  /** What meets it, as text ("≥ 0.75", "most: > 5 of 10"). */
  target: string;
  met: boolean;
  /** A score (printed to 3 decimals) or a count of tasks (printed as a whole number). */
  unit: 'score' | 'count';
}

/** The cohort a run scored its tasks on (kidneys per split), and the pretraining-only cohort when there was one. */
export interface RunCohort {
  patients: number;
  kidneys: number;
  train: number;
  val: number;
  test: number;
  source: string;
  /** Kidneys that only stages 1 and 2 learnt from (absent without a pretraining cohort). */
  pretraining?: { patients: number; kidneys: number; source: string };
}

/** Everything a pipeline run measured: written as `metrics.json`, rendered as `report.md` and `report.html`. */
export interface PipelineResults {
  title: string;
  createdAt: string;
  preset: string;
  /**
   * The effective pipeline config (the preset with any overrides), for reproducing the run. JSON writes the
   * paper preset's unbounded `image.maxClassWeight` as `null`.
   */
  config?: PipelineConfig;
  seed: number;
  cohort: RunCohort;
  tasks: TaskResult[];
  roc: { task: string; encoder: EncoderName; points: [number, number][] }[];
  km: KmPlot[];
  dataEfficiency: DataEfficiencyPoint[];
  zeroShot: ZeroShotResult[];
  retrieval: RetrievalResult[];
  retrievalExamples: RetrievalExample[];
  reportGeneration: ReportGenerationResult[];
  /** Training curves: stage → mean loss per epoch. */
  losses: Record<string, number[]>;
  /** Seconds per stage. */
  timings: Record<string, number>;
  /** Stage 1: the stage-1 encoder's attribute heads scored on the test split, one entry per attribute. */
  attributes: AttributeScore[];
  /** The quality bar, measured: one entry per criterion. */
  qualityBar: QualityCriterion[];
  /** Honest notes: fallbacks used, skipped parts. */
  notes: string[];
}

/** An empty results object to fill. */
export function emptyResults(title: string, preset: string, seed: number): PipelineResults {
  return {
    title,
    createdAt: new Date().toISOString(),
    preset,
    seed,
    cohort: { patients: 0, kidneys: 0, train: 0, val: 0, test: 0, source: '' },
    tasks: [],
    roc: [],
    km: [],
    dataEfficiency: [],
    zeroShot: [],
    retrieval: [],
    retrievalExamples: [],
    reportGeneration: [],
    losses: {},
    timings: {},
    attributes: [],
    qualityBar: [],
    notes: [],
  };
}
