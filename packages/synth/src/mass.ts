/**
 * Renal masses: their imaging features (composition, fat, calcification, necrosis, margin, enhancement per
 * phase, invasion) and their geometry, sampled from appearance families that resemble the common benign and
 * malignant tumours. Pathology is then drawn from the features (see pathology.ts), not from the family.
 */
import type { Rng } from 'renal-core';
import { type KidneyGeometry, toWorld } from './anatomy.js';
import type { Vec3 } from './types.js';

/** Appearance family a mass was sampled from (a generator detail, not a label). */
export type Family =
  | 'simple_cyst'
  | 'complex_cyst'
  | 'clear_cell_like'
  | 'papillary_like'
  | 'chromophobe_like'
  | 'oncocytoma_like'
  | 'aml_like';

const FAMILY_WEIGHTS: ReadonlyArray<[Family, number]> = [
  ['simple_cyst', 0.17],
  ['complex_cyst', 0.11],
  ['clear_cell_like', 0.34],
  ['papillary_like', 0.12],
  ['chromophobe_like', 0.07],
  ['oncocytoma_like', 0.09],
  ['aml_like', 0.1],
];

/** Median largest diameter (cm) per family. */
const MEDIAN_SIZE: Record<Family, number> = {
  simple_cyst: 2.6,
  complex_cyst: 3.4,
  clear_cell_like: 4.6,
  papillary_like: 3.6,
  chromophobe_like: 4.8,
  oncocytoma_like: 3.6,
  aml_like: 3.2,
};

/** A smooth bulge of the surface along a direction (lobulation). */
export interface Bump {
  dir: Vec3;
  height: number;
}

/** Imaging features and geometry of one mass. */
export interface MassFeatures {
  family: Family;
  /** Full diameters along x (i), y (j), z (k), mm. */
  diameters: Vec3;
  /** 0 solid, 1 predominantly solid, 2 predominantly cystic, 3 cystic. */
  composition: 0 | 1 | 2 | 3;
  /** Volume fraction of macroscopic fat (0 = none). */
  fatFraction: number;
  /** 0 none, 1 punctate, 2 coarse, 3 peripheral. */
  calcification: 0 | 1 | 2 | 3;
  /** 0 none, 1 focal, 2 extensive. */
  necrosis: 0 | 1 | 2;
  /** 0 well-defined, 1 lobulated, 2 ill-defined. */
  margin: 0 | 1 | 2;
  heterogeneous: boolean;
  centralScar: boolean;
  /** Bosniak class index (0 = I … 4 = IV) for cystic masses, −1 otherwise. */
  bosniak: number;
  /** Unenhanced attenuation of the solid tissue (HU). */
  solidHU: number;
  /** Enhancement over `solidHU` in the A, V, D phases (HU). */
  solidRise: Vec3;
  /** Cyst fluid attenuation (HU), constant over phases. */
  fluidHU: number;
  /** Wall/septum thickness (mm) and enhancement over 30 HU in A, V, D. */
  wallMm: number;
  wallRise: Vec3;
  /** Number of septa through a cystic mass. */
  septa: number;
  /** Enhancing mural nodule (Bosniak IV). */
  nodule: boolean;
  perinephricInvasion: boolean;
  /** 0 none, 1 renal-vein tumour thrombus, 2 extending into the IVC. */
  venousThrombus: 0 | 1 | 2;
  /** Placement on the kidney: w fraction (−1 lower … 1 upper), angle around w (0 lateral, π/2 anterior), outwardness. */
  placement: { wFrac: number; phi: number; outward: number };
  /** Centre in the voxel-axis frame (mm). */
  center: Vec3;
  /** Centre in the kidney-local frame (mm). */
  localCenter: Vec3;
  bumps: Bump[];
  /** Irregularity of the edge (ill-defined margins), fraction of the radius. */
  ragged: number;
  /** Seed of the mass's internal texture. */
  textureSeed: number;
}

function pickFamily(rng: Rng): Family {
  let u = rng.uniform();
  for (const [family, weight] of FAMILY_WEIGHTS) {
    u -= weight;
    if (u < 0) return family;
  }
  return 'clear_cell_like';
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Samples a mass's size (largest diameter, cm) for its family: log-normal, truncated to [1, 12]. */
function sampleSize(rng: Rng, family: Family): number {
  for (;;) {
    const size = MEDIAN_SIZE[family] * Math.exp(rng.normal(0, 0.48));
    if (size >= 1 && size <= 12) return size;
  }
}

/** Samples one mass on a kidney; `incidental` makes it a small simple cyst (a second lesion). */
export function sampleMass(rng: Rng, kidney: KidneyGeometry, incidental?: { maxCm: number }): MassFeatures {
  const family: Family = incidental ? 'simple_cyst' : pickFamily(rng);
  const sizeCm = incidental
    ? clamp(0.8 + rng.uniform() * 1.4, 0.8, incidental.maxCm)
    : sampleSize(rng, family);
  const m = baseFeatures(family, sizeCm);
  switch (family) {
    case 'simple_cyst':
      simpleCyst(rng, m);
      break;
    case 'complex_cyst':
      complexCyst(rng, m);
      break;
    case 'aml_like':
      angiomyolipoma(rng, m);
      break;
    default:
      solidTumour(rng, m, family, sizeCm);
  }
  placeMass(rng, m, kidney, sizeCm);
  return m;
}

function baseFeatures(family: Family, sizeCm: number): MassFeatures {
  const d = sizeCm * 10;
  return {
    family,
    diameters: [d, d, d],
    composition: 0,
    fatFraction: 0,
    calcification: 0,
    necrosis: 0,
    margin: 0,
    heterogeneous: false,
    centralScar: false,
    bosniak: -1,
    solidHU: 35,
    solidRise: [0, 0, 0],
    fluidHU: 8,
    wallMm: 0,
    wallRise: [0, 0, 0],
    septa: 0,
    nodule: false,
    perinephricInvasion: false,
    venousThrombus: 0,
    placement: { wFrac: 0, phi: 0, outward: 0 },
    center: [0, 0, 0],
    localCenter: [0, 0, 0],
    bumps: [],
    ragged: 0,
    textureSeed: 0,
  };
}

function simpleCyst(rng: Rng, m: MassFeatures): void {
  m.composition = 3;
  m.bosniak = rng.bernoulli(0.6) ? 0 : 1;
  const hyperdense = m.bosniak === 1 && rng.bernoulli(0.35);
  m.fluidHU = hyperdense ? rng.uniformIn(62, 85) : rng.uniformIn(0, 14);
  m.wallMm = 1;
  m.wallRise = m.bosniak === 0 ? [0, 0, 0] : [6, 8, 6];
  m.septa = m.bosniak === 1 ? rng.int(3) : 0;
  if (m.bosniak === 1 && rng.bernoulli(0.15)) m.calcification = 3;
}

function complexCyst(rng: Rng, m: MassFeatures): void {
  const u = rng.uniform();
  m.bosniak = u < 0.35 ? 2 : u < 0.7 ? 3 : 4;
  m.composition = m.bosniak === 4 ? 2 : m.bosniak === 3 && rng.bernoulli(0.4) ? 2 : 3;
  m.fluidHU = rng.uniformIn(4, 20);
  m.wallMm = m.bosniak === 2 ? 2.2 : rng.uniformIn(3.5, 5.5);
  const rise = m.bosniak === 2 ? rng.uniformIn(16, 28) : rng.uniformIn(45, 85);
  m.wallRise = [rise, rise * 1.1, rise * 0.85];
  m.septa = 1 + rng.int(m.bosniak === 2 ? 3 : 4);
  m.nodule = m.bosniak === 4;
  m.solidHU = 36;
  m.solidRise = m.nodule ? [rng.uniformIn(70, 125), 0, 0] : [0, 0, 0];
  m.solidRise[1] = m.solidRise[0] * 0.8;
  m.solidRise[2] = m.solidRise[0] * 0.55;
  if (rng.bernoulli(0.25)) m.calcification = rng.bernoulli(0.5) ? 3 : 2;
  m.margin = rng.bernoulli(0.7) ? 0 : 1;
}

function angiomyolipoma(rng: Rng, m: MassFeatures): void {
  const lipidPoor = rng.bernoulli(0.2);
  m.fatFraction = lipidPoor ? 0 : rng.bernoulli(0.25) ? rng.uniformIn(0.08, 0.2) : rng.uniformIn(0.3, 0.8);
  m.solidHU = lipidPoor ? rng.uniformIn(46, 58) : rng.uniformIn(32, 45);
  const rise = rng.uniformIn(40, 85);
  m.solidRise = [rise, rise * 1.05, rise * 0.8];
  m.heterogeneous = m.fatFraction > 0 && rng.bernoulli(0.5);
  m.margin = rng.bernoulli(0.85) ? 0 : 1;
}

interface SolidProfile {
  hu: [number, number];
  riseA: [number, number];
  /** V and D enhancement as multiples of A. */
  kinetics: [number, number];
  heterogeneous: number;
  scar: number;
  calcification: number;
  illDefined: number;
}

const SOLID: Record<
  'clear_cell_like' | 'papillary_like' | 'chromophobe_like' | 'oncocytoma_like',
  SolidProfile
> = {
  clear_cell_like: {
    hu: [33, 6],
    riseA: [118, 28],
    kinetics: [0.75, 0.5],
    heterogeneous: 0.7,
    scar: 0.03,
    calcification: 0.12,
    illDefined: 0.25,
  },
  papillary_like: {
    hu: [43, 6],
    riseA: [22, 7],
    kinetics: [1.6, 1.8],
    heterogeneous: 0.2,
    scar: 0,
    calcification: 0.25,
    illDefined: 0.12,
  },
  chromophobe_like: {
    hu: [38, 5],
    riseA: [58, 15],
    kinetics: [1.3, 1.05],
    heterogeneous: 0.15,
    scar: 0.15,
    calcification: 0.1,
    illDefined: 0.06,
  },
  oncocytoma_like: {
    hu: [37, 5],
    riseA: [98, 22],
    kinetics: [0.95, 0.72],
    heterogeneous: 0.3,
    scar: 0.45,
    calcification: 0.04,
    illDefined: 0.03,
  },
};

function solidTumour(rng: Rng, m: MassFeatures, family: Family, sizeCm: number): void {
  const p = SOLID[family as keyof typeof SOLID];
  const malignantLike = family !== 'oncocytoma_like';
  m.solidHU = rng.normal(p.hu[0], p.hu[1]);
  const riseA = Math.max(8, rng.normal(p.riseA[0], p.riseA[1]));
  m.solidRise = [riseA, riseA * p.kinetics[0], riseA * p.kinetics[1]];
  m.centralScar = rng.bernoulli(p.scar);
  m.heterogeneous = !m.centralScar && rng.bernoulli(p.heterogeneous);
  const necrosisP = malignantLike
    ? sigmoid((sizeCm - 4.5) / 1.2) * (family === 'clear_cell_like' ? 0.9 : 0.5)
    : 0.05;
  if (rng.bernoulli(necrosisP)) m.necrosis = sizeCm > 6 && rng.bernoulli(0.55) ? 2 : 1;
  if (m.necrosis > 0) m.heterogeneous = true;
  m.composition = family === 'clear_cell_like' && rng.bernoulli(0.3) ? 1 : 0;
  if (m.composition === 1) m.fluidHU = rng.uniformIn(6, 20);
  if (rng.bernoulli(p.calcification)) m.calcification = rng.bernoulli(0.6) ? 1 : 2;
  const ill = p.illDefined * (1 + Math.max(0, sizeCm - 5) / 3);
  const u = rng.uniform();
  m.margin = u < ill ? 2 : u < ill + 0.3 ? 1 : 0;
  if (malignantLike) {
    const invasive = family === 'clear_cell_like' ? 1 : 0.45;
    m.perinephricInvasion = rng.bernoulli(invasive * 0.7 * sigmoid((sizeCm - 6) / 1.3));
    if (rng.bernoulli(invasive * 0.45 * sigmoid((sizeCm - 7.5) / 1.2))) {
      m.venousThrombus = rng.bernoulli(0.3) ? 2 : 1;
    }
    if (m.perinephricInvasion) m.margin = 2;
  }
}

/** Places the mass on the kidney surface (or inside it) and draws its shape. */
function placeMass(rng: Rng, m: MassFeatures, kidney: KidneyGeometry, sizeCm: number): void {
  const r = sizeCm * 5;
  const aspect = [1, rng.uniformIn(0.8, 0.97), rng.uniformIn(0.82, 1)];
  rng.shuffle(aspect);
  const largest = Math.max(...aspect);
  m.diameters = aspect.map((a) => (2 * r * a) / largest) as Vec3;
  const u = rng.uniform();
  const outward =
    u < 0.45 ? rng.uniformIn(0.1, 0.85) : u < 0.8 ? rng.uniformIn(-0.9, 0.1) : rng.uniformIn(-1.8, -1.05);
  const wFrac = clamp(rng.normal(0, 0.68), -0.92, 0.92);
  const phi = rng.uniformIn(0, 2 * Math.PI);
  m.placement = { wFrac, phi, outward };
  const [a, b, c] = kidney.axes;
  const s = Math.sqrt(1 - wFrac * wFrac);
  const n: Vec3 = [Math.cos(phi) * s, Math.sin(phi) * s, wFrac];
  const surface: Vec3 = [a * n[0], b * n[1], c * n[2]];
  const normal: Vec3 = [n[0] / a, n[1] / b, n[2] / c];
  const len = Math.hypot(...normal);
  const local: Vec3 = [
    surface[0] + (outward * r * normal[0]) / len,
    surface[1] + (outward * r * normal[1]) / len,
    surface[2] + (outward * r * normal[2]) / len,
  ];
  m.localCenter = local;
  m.center = toWorld(kidney, local);
  const bumpCount = m.margin === 0 ? 2 : m.margin === 1 ? 5 : 8;
  const bumpHeight = m.margin === 0 ? 0.04 : m.margin === 1 ? 0.2 : 0.16;
  for (let i = 0; i < bumpCount; i++) {
    const z = rng.uniformIn(-1, 1);
    const t = rng.uniformIn(0, 2 * Math.PI);
    const q = Math.sqrt(1 - z * z);
    m.bumps.push({
      dir: [q * Math.cos(t), q * Math.sin(t), z],
      height: bumpHeight * rng.uniformIn(0.6, 1.2),
    });
  }
  m.ragged = m.margin === 2 ? 0.14 : 0;
  m.textureSeed = rng.nextUint32();
}

/** The mass's reported largest diameter in cm, rounded to 1 mm as a radiologist would write it. */
export function reportedDiametersCm(m: MassFeatures): [number, number, number] {
  const axial = [m.diameters[0], m.diameters[1]].sort((x, y) => y - x);
  return [axial[0], axial[1], m.diameters[2]].map((d) => Math.round(d) / 10) as [number, number, number];
}

/** Largest reported diameter in cm. */
export function maxDiameterCm(m: MassFeatures): number {
  return Math.max(...reportedDiametersCm(m));
}

/** Largest enhancement (HU over unenhanced) of any enhancing component. */
export function peakEnhancement(m: MassFeatures): number {
  const solidPresent = m.composition !== 3 || m.nodule;
  const solid = solidPresent ? Math.max(...m.solidRise) : 0;
  const wall = m.composition >= 2 ? Math.max(...m.wallRise) : 0;
  return Math.max(solid, wall);
}
