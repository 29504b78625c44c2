/**
 * renal-survival: survival analysis checked against R's `survival` package — Cox partial-likelihood
 * losses for TensorFlow.js, linear Cox regression, Kaplan–Meier and Nelson–Aalen, log-rank tests,
 * concordance indices (Harrell, Uno, Antolini), time-dependent AUC, Brier scores, risk-group
 * stratification and bootstrap confidence intervals, plus R's lung, veteran and colon data sets.
 *
 * @packageDocumentation
 */
export {
  NoEventsError,
  SingularDesignError,
  SurvivalInputError,
  SurvivalWarning,
  defaultWarningHandler,
  type WarningHandler,
} from './errors.js';
export type { EventArray, NumericArray, SurvivalData } from './validate.js';
export type { SurvivalCurves } from './curves.js';

export {
  coxLossValue,
  coxPartialLikelihoodLoss,
  type CoxLossOptions,
  type CoxLossValue,
} from './loss/coxLoss.js';
export { CoxPHFitter, type CoxPHInput, type CoxPHOptions } from './cox/coxph.js';
export { CoxPHResult, type ChiSquareTest, type CoefficientRow, type CoxPHFitState } from './cox/result.js';
export type { StratumHazard } from './cox/baseline.js';
export type { Covariates } from './cox/design.js';
export type { Ties } from './cox/partialLikelihood.js';

export {
  type ConfidenceType,
  KaplanMeierFitter,
  type KaplanMeierOptions,
  KaplanMeierResult,
  type SurvivalQuantile,
} from './nonparametric/kaplanMeier.js';
export {
  NelsonAalenFitter,
  type NelsonAalenOptions,
  NelsonAalenResult,
} from './nonparametric/nelsonAalen.js';
export { logRankTest, type LogRankOptions, type LogRankResult } from './logRank.js';

export { type ConcordanceOptions, type ConcordanceResult, harrellC } from './concordance/harrell.js';
export type { PairCounts } from './concordance/pairCounts.js';
export { unoC, type UnoOptions } from './concordance/uno.js';
export { antoliniC, type AntoliniOptions } from './concordance/antolini.js';
export { CensoringDistribution } from './concordance/censoring.js';
export { cumulativeDynamicAuc, type TimeAucOptions, type TimeAucResult } from './metrics/timeDependentAuc.js';
export { brierScore, integratedBrierScore, type BrierOptions, type BrierResult } from './metrics/brier.js';

export {
  type RiskGroup,
  type RiskGroupOptions,
  type RiskGroupResult,
  type RiskGrouping,
  stratifyByRisk,
} from './riskGroups.js';
export {
  bootstrapCI,
  bootstrapSurvivalMetric,
  compareSurvivalModels,
  type SurvivalMetric,
  type BootstrapOptions,
  type BootstrapResult,
  pairedBootstrap,
  type PairedBootstrapResult,
  take,
} from './bootstrap.js';
export { colon, completeColumns, lung, type SurvivalDataset, veteran } from './datasets/index.js';
export { argsort } from './math/sort.js';
export { chiSquareSurvival, normalCdf, normalQuantile } from './math/distributions.js';
