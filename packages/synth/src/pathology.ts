/**
 * Pathology from imaging features: a multinomial-logit model whose scores encode the textbook associations
 * (fat → angiomyolipoma, simple cystic → benign cyst, avid heterogeneous enhancement and necrosis → clear-cell
 * RCC, hypoenhancement → papillary, central scar → oncocytoma), then ISUP grade, pT stage and aggressiveness.
 */
import type { Rng } from 'renal-core';
import { sinusInvasion } from './attributes.js';
import type { MassFeatures } from './mass.js';
import { maxDiameterCm, peakEnhancement } from './mass.js';
import type { MassGeometry } from './renal.js';
import { isMalignant, PATHOLOGIES, type Pathology } from './types.js';

/** Pathology of one mass with the probabilities it was drawn from (the oracle). */
export interface MassPathology {
  pathology: Pathology;
  /** Probability of each pathology in `PATHOLOGIES` order, given the features. */
  probabilities: number[];
  /** Probability of malignancy given the features (sum over the carcinomas). */
  malignancyProbability: number;
  malignant: boolean;
  /** ISUP grade 1–4 (clear-cell and papillary RCC), null otherwise. */
  isupGrade: 1 | 2 | 3 | 4 | null;
  /** Pathological T stage (KiTS spelling: '1a', '1b', '2a', '2b', '3a', '3b'), null for benign. */
  tStage: string | null;
  /** Regional nodes and distant metastases at surgery. */
  nStage: '0' | '1' | 'x';
  mStage: '0' | '1';
  /** High grade (ISUP ≥ 3) or locally advanced (pT ≥ 3) carcinoma. */
  aggressive: boolean;
  /** Latent aggressiveness used for grade and outcomes. */
  severity: number;
}

/** Additive evidence for each pathology (PATHOLOGIES order) from the features. */
function evidence(m: MassFeatures, g: MassGeometry): number[] {
  const s = [0.7, -0.2, -0.8, -0.6, -0.5, -0.6];
  const [CC, PAP, CHR, ONC, AML, CYST] = [0, 1, 2, 3, 4, 5];
  const peak = peakEnhancement(m);
  const size = maxDiameterCm(m);
  if (m.fatFraction > 0) s[AML] += m.fatFraction >= 0.25 ? 6 : 4;
  if (m.composition === 3) {
    if (m.bosniak <= 1) s[CYST] += 6;
    else if (m.bosniak === 2) s[CYST] += 3.5;
    else s[CYST] += 1.2;
  }
  if (m.composition === 2) {
    s[CYST] += m.bosniak === 3 ? 1.2 : 0;
    s[CC] += m.bosniak === 4 ? 1.2 : 0.4;
  }
  if (m.composition === 1) s[CC] += 1;
  if (m.composition >= 2) {
    // Cystic masses are cysts or cystic carcinomas (mostly clear-cell, sometimes papillary).
    s[AML] -= 3;
    s[ONC] -= 2;
    s[CHR] -= 1.5;
    s[PAP] -= 0.5;
  }
  if (m.fatFraction === 0) s[AML] -= 1;
  // A solid mass is not a cyst.
  if (m.composition <= 1) s[CYST] -= 4;
  if (m.composition <= 1) {
    if (peak >= 80) {
      s[CC] += 1.6;
      s[ONC] += 1.2;
    } else if (peak >= 40) {
      s[CHR] += 1.6;
      s[ONC] += 0.5;
      s[AML] += 0.6;
    } else {
      s[PAP] += 2.2;
    }
    if (m.fatFraction === 0 && m.solidHU > 45) {
      s[AML] += 0.9;
      s[PAP] += 0.7;
    }
  }
  if (m.heterogeneous) {
    s[CC] += 1;
    s[PAP] += 0.2;
  } else if (m.composition <= 1) {
    s[CHR] += 0.5;
    s[PAP] += 0.3;
    s[ONC] += 0.3;
  }
  if (m.necrosis > 0) s[CC] += 0.8 * m.necrosis;
  if (m.centralScar) {
    s[ONC] += 2;
    s[CHR] += 0.6;
  }
  if (m.calcification > 0) s[PAP] += 0.4;
  const invasive = m.margin === 2 || m.perinephricInvasion || m.venousThrombus > 0 || sinusInvasion(m, g);
  if (invasive) {
    s[CC] += 1.2;
    s[PAP] += 0.6;
    s[CHR] += 0.4;
  }
  if (size > 7) s[CC] += 0.5;
  return s;
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

function drawIndex(rng: Rng, probabilities: number[]): number {
  let u = rng.uniform();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

function tStage(m: MassFeatures, g: MassGeometry): string {
  if (m.venousThrombus === 2) return '3b';
  if (m.venousThrombus === 1 || m.perinephricInvasion || sinusInvasion(m, g)) return '3a';
  const size = maxDiameterCm(m);
  return size <= 4 ? '1a' : size <= 7 ? '1b' : size <= 10 ? '2a' : '2b';
}

/** Draws the pathology of a mass from its features; `signal` scales the evidence (the logits). */
export function samplePathology(rng: Rng, m: MassFeatures, g: MassGeometry, signal: number): MassPathology {
  const probabilities = softmax(evidence(m, g).map((e) => e * signal));
  const pathology = PATHOLOGIES[drawIndex(rng, probabilities)];
  const malignancyProbability = PATHOLOGIES.reduce(
    (p, name, i) => p + (isMalignant(name) ? probabilities[i] : 0),
    0,
  );
  const malignant = isMalignant(pathology);
  const noise = rng.normal(0, 1);
  if (!malignant) {
    return {
      pathology,
      probabilities,
      malignancyProbability,
      malignant,
      isupGrade: null,
      tStage: null,
      nStage: 'x',
      mStage: '0',
      aggressive: false,
      severity: 0,
    };
  }
  const stage = tStage(m, g);
  const advanced = stage.startsWith('3');
  const size = maxDiameterCm(m);
  const featureSeverity =
    0.3 * (size - 4) +
    0.8 * m.necrosis +
    0.6 * (m.margin === 2 ? 1 : 0) +
    0.4 * (m.heterogeneous ? 1 : 0) +
    0.9 * (advanced ? 1 : 0) +
    (pathology === 'papillary' ? -0.3 : pathology === 'chromophobe' ? -0.6 : 0);
  const severity = featureSeverity * Math.min(signal, 3) * 0.67 + noise * 0.8;
  const grade = (severity < -0.6 ? 1 : severity < 0.9 ? 2 : severity < 1.9 ? 3 : 4) as 1 | 2 | 3 | 4;
  const isupGrade = pathology === 'chromophobe' ? null : grade;
  const spread = rng.uniform();
  const nStage = severity > 1.5 && spread < 0.25 ? '1' : spread < 0.6 ? '0' : 'x';
  const mStage = severity > 1.8 && rng.bernoulli(0.3) ? '1' : '0';
  return {
    pathology,
    probabilities,
    malignancyProbability,
    malignant,
    isupGrade,
    tStage: stage,
    nStage,
    mStage,
    aggressive: (isupGrade ?? 0) >= 3 || advanced,
    severity,
  };
}
