/**
 * From a kidney's masses to its 14 attribute labels: the true classes by fixed rules on the features, then
 * label noise (a report that misstates a class) and gaps (attributes a report does not mention).
 */
import type { Rng } from 'renal-core';
import type { MassFeatures } from './mass.js';
import { maxDiameterCm, peakEnhancement } from './mass.js';
import type { MassGeometry } from './renal.js';
import { ATTRIBUTE_CLASS_COUNTS, attributeIndex, UNKNOWN } from './schema.js';

/** Whether a mass has grown into the renal sinus (pT3a), judged from its overlap with the sinus. */
export function sinusInvasion(m: MassFeatures, g: MassGeometry): boolean {
  const carcinomaLike =
    m.family === 'clear_cell_like' || m.family === 'papillary_like' || m.family === 'chromophobe_like';
  return carcinomaLike && g.sinusGap < -4 && (m.margin === 2 || maxDiameterCm(m) > 7);
}

/** Size class of a largest diameter in cm: ≤2, ≤4, ≤7, ≤10, >10. */
export function sizeClass(cm: number): number {
  return cm <= 2 ? 0 : cm <= 4 ? 1 : cm <= 7 ? 2 : cm <= 10 ? 3 : 4;
}

/** Enhancement-degree class of a peak enhancement in HU: <15, <40, <80, <120, ≥120. */
export function enhancementClass(hu: number): number {
  return hu < 15 ? 0 : hu < 40 ? 1 : hu < 80 ? 2 : hu < 120 ? 3 : 4;
}

function attenuationClass(m: MassFeatures): number {
  if (m.fatFraction >= 0.25) return 0;
  if (m.composition === 3) return m.fluidHU >= 50 ? 2 : 1;
  if (m.composition === 1 || m.composition === 2 || m.necrosis === 2) return 6;
  return m.solidHU < 28 ? 3 : m.solidHU <= 45 ? 4 : 5;
}

function locationClass(g: MassGeometry): number {
  if (g.central) return 6;
  const up = g.upper >= 0.12;
  const mid = g.interpolar >= 0.12;
  const low = g.lower >= 0.12;
  if (up && low) return 5;
  if (up && mid) return 1;
  if (mid && low) return 3;
  if (up) return 0;
  if (low) return 4;
  return 2;
}

/** Benign masses displace the collecting system; only an infiltrative carcinoma invades it. */
function collectingClass(m: MassFeatures, g: MassGeometry): number {
  if (g.pelvisGap > 2) return 0;
  const carcinomaLike =
    m.family === 'clear_cell_like' || m.family === 'papillary_like' || m.family === 'chromophobe_like';
  return g.pelvisGap < -3 && carcinomaLike && (m.margin === 2 || maxDiameterCm(m) > 4) ? 2 : 1;
}

function invasionClass(m: MassFeatures, g: MassGeometry): number {
  if (m.venousThrombus === 2) return 4;
  if (m.venousThrombus === 1) return 3;
  if (sinusInvasion(m, g)) return 2;
  return m.perinephricInvasion ? 1 : 0;
}

/** The true 14 labels of a kidney whose masses are given dominant first (none: a normal kidney). */
export function trueAttributes(masses: MassFeatures[], geometry: MassGeometry[]): number[] {
  const labels = new Array<number>(14).fill(UNKNOWN);
  const set = (name: Parameters<typeof attributeIndex>[0], value: number) => {
    labels[attributeIndex(name)] = value;
  };
  if (masses.length === 0) {
    set('lesion_count', 0);
    set('calcification', 0);
    set('collecting_system', 0);
    return labels;
  }
  const m = masses[0];
  const g = geometry[0];
  const degree = enhancementClass(peakEnhancement(m));
  set('lesion_count', masses.length === 1 ? 1 : 2);
  set('composition', m.composition);
  set('size', sizeClass(maxDiameterCm(m)));
  set('macroscopic_fat', m.fatFraction > 0 ? 1 : 0);
  set('enhancement_degree', degree);
  if (degree > 0) {
    set('enhancement_pattern', m.composition >= 2 ? 2 : m.centralScar ? 3 : m.heterogeneous ? 1 : 0);
  }
  set('attenuation', attenuationClass(m));
  set('margin', m.margin);
  set('location', locationClass(g));
  set('calcification', m.calcification);
  if (m.composition <= 1) set('necrosis', m.necrosis);
  if (m.composition >= 2) set('bosniak', m.bosniak);
  set('invasion', invasionClass(m, g));
  set('collecting_system', collectingClass(m, g));
  return labels;
}

/**
 * Report-level labels: each known label is replaced by another class with probability `labelNoise`, then
 * each attribute but `lesion_count` is dropped (−1) with probability `unknownRate`. A fat-attenuation mass
 * always states its fat, since saying "predominantly fat" states it.
 */
export function observedAttributes(
  rng: Rng,
  truth: number[],
  labelNoise: number,
  unknownRate: number,
): number[] {
  const labels = truth.slice();
  const lesionCount = attributeIndex('lesion_count');
  // A normal kidney's few statements ("no mass, no calcification") are not misreported.
  const normal = truth[lesionCount] === 0;
  for (let a = 0; a < labels.length; a++) {
    if (normal || labels[a] === UNKNOWN || a === lesionCount) continue;
    if (rng.bernoulli(labelNoise)) {
      const other = rng.int(ATTRIBUTE_CLASS_COUNTS[a] - 1);
      labels[a] = other >= labels[a] ? other + 1 : other;
    }
  }
  for (let a = 0; a < labels.length; a++) {
    if (a !== lesionCount && rng.bernoulli(unknownRate)) labels[a] = UNKNOWN;
  }
  const fat = attributeIndex('macroscopic_fat');
  if (labels[attributeIndex('attenuation')] === 0) labels[fat] = 1;
  return labels;
}
