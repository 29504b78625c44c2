/**
 * renal-clip-loss: the objectives and evaluations of RenalCLIP's image–text alignment stage.
 *
 * - Contrastive losses: symmetric InfoNCE ({@link clipLoss}) with a learnable logit scale stored as a log
 *   and clamped to [0, ln 100], multi-positive soft targets, label smoothing, chunked computation for
 *   4096 × 4096 batches, gradient caching ({@link gradCacheStep}); SigLIP's sigmoid loss ({@link siglipLoss}).
 * - Zero-shot classification from prompt templates × class descriptions ({@link buildZeroShotClassifier}),
 *   our malignancy and invasiveness prompt sets, and the prompt-sensitivity analysis.
 * - Retrieval metrics ({@link retrievalMetrics}) and ROC AUC helpers.
 *
 * Import tensors through `renal-core` (`import { tf } from 'renal-core'`).
 *
 * @packageDocumentation
 */
export {
  ClipLossInputError,
  GroupError,
  NonFiniteEmbeddingError,
  OptionError,
  PromptSetError,
  ShapeError,
  ZeroEmbeddingError,
} from './errors.js';
export {
  clampLogitScaleInPlace,
  createLogitScale,
  INIT_LOG_LOGIT_SCALE,
  logitScaleFromLog,
  MAX_LOG_LOGIT_SCALE,
  MIN_LOG_LOGIT_SCALE,
} from './contrastive/logit-scale.js';
export { checkEmbeddings, l2Normalize } from './contrastive/normalize.js';
export {
  type GroupIds,
  groupsFromKeys,
  resolveGroups,
  type ResolvedGroups,
  softTargets,
} from './contrastive/groups.js';
export {
  clipLabels,
  clipLogits,
  type ClipLogits,
  type ClipLogitsOptions,
  clipLossFromLogits,
  clipTargets,
  type ClipTargetOptions,
  type ClipTargets,
} from './contrastive/logits.js';
export { clipLoss, type ClipLossOptions } from './contrastive/clip-loss.js';
export {
  createSiglipParameters,
  SIGLIP_INIT_BIAS,
  SIGLIP_INIT_LOG_SCALE,
  siglipLabels,
  siglipLogits,
  siglipLoss,
  siglipLossFromLogits,
  type SiglipLossOptions,
  type SiglipParameters,
} from './contrastive/siglip.js';
export {
  type EncodedSide,
  type GradCacheOptions,
  type GradCacheResult,
  gradCacheStep,
} from './contrastive/grad-cache.js';
export {
  expandPrompts,
  INVASIVENESS_PROMPTS,
  MALIGNANCY_PROMPTS,
  type PromptClass,
  type PromptSet,
  validatePromptSet,
} from './zero-shot/prompt-set.js';
export {
  type BuildOptions,
  buildZeroShotClassifier,
  type PromptScoring,
  type TextEmbedder,
  ZeroShotClassifier,
} from './zero-shot/classifier.js';
export {
  type PromptSensitivity,
  type PromptSensitivityOptions,
  promptSensitivity,
  quantile,
} from './zero-shot/sensitivity.js';
export { zeroShotAuc, zeroShotAucFromScores } from './zero-shot/evaluate.js';
export { rocAuc, rocAucOneVsRest } from './metrics/roc-auc.js';
export { type DirectionMetrics, RankingAccumulator, relevantItems } from './retrieval/ranking.js';
export {
  type RetrievalMetrics,
  retrievalMetrics,
  retrievalMetricsFromSimilarity,
  type RetrievalOptions,
} from './retrieval/metrics.js';
