import { Rng } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { generatePatient, type PatientRecord, PHASES, PRESETS } from '../src/index.js';
import { placedMasses } from '../src/patient.js';
import { type LabelMap, rasterise } from '../src/phantom.js';
import { C, MASS_BASE, T } from '../src/tissues.js';

interface Rendered {
  patient: PatientRecord;
  map: LabelMap;
}

let rendered: Rendered[] = [];

beforeAll(() => {
  rendered = [3, 4, 5].map((seed) => {
    const patient = generatePatient(new Rng(seed), { preset: 'tiny' });
    return { patient, map: rasterise(patient.anatomy, PRESETS.tiny, placedMasses(patient)) };
  });
});

/** Voxels of a tissue whose four in-plane neighbours share it (away from blurred edges). */
function interior(map: LabelMap, tissue: number): number[] {
  const [ni, nj] = map.shape;
  const out: number[] = [];
  const t = map.tissue;
  for (let n = 0; n < t.length; n++) {
    if (t[n] !== tissue) continue;
    const i = n % ni;
    const j = Math.floor(n / ni) % nj;
    if (i < 1 || j < 1 || i >= ni - 1 || j >= nj - 1) continue;
    if (t[n - 1] === tissue && t[n + 1] === tissue && t[n - ni] === tissue && t[n + ni] === tissue)
      out.push(n);
  }
  return out;
}

function stats(values: Int16Array, voxels: number[]): { mean: number; sd: number } {
  let s = 0;
  let s2 = 0;
  for (const n of voxels) {
    s += values[n];
    s2 += values[n] * values[n];
  }
  const mean = s / voxels.length;
  return { mean, sd: Math.sqrt(s2 / voxels.length - mean * mean) };
}

function meanHU(r: Rendered, tissue: number, phase: (typeof PHASES)[number]): number {
  const voxels = interior(r.map, tissue);
  expect(voxels.length, `tissue ${tissue}`).toBeGreaterThan(5);
  return stats(r.patient.volumes!.phases[phase], voxels).mean;
}

// Published multiphase CT ranges (HU) per phase N, A (corticomedullary), V (nephrographic), D (excretory).
const RANGES: Array<[string, number, Partial<Record<(typeof PHASES)[number], [number, number]>>]> = [
  ['fat', T.FAT, { N: [-130, -70], A: [-130, -70], V: [-130, -70], D: [-130, -70] }],
  ['muscle', T.MUSCLE, { N: [35, 65], A: [40, 85], V: [45, 90], D: [40, 85] }],
  ['aorta', T.AORTA, { N: [30, 55], A: [200, 450], V: [120, 230], D: [80, 160] }],
  ['renal cortex', T.CORTEX, { N: [25, 48], A: [130, 260], V: [120, 230], D: [80, 180] }],
  ['renal medulla', T.MEDULLA, { N: [20, 45], A: [40, 120], V: [120, 230] }],
  ['urine', T.URINE, { N: [-5, 20], A: [-5, 25], D: [300, 1500] }],
  ['sinus fat', T.SINUS_FAT, { N: [-130, -70] }],
  ['vertebral marrow', T.MARROW, { N: [150, 350] }],
];

describe('phantom HU per tissue and phase', () => {
  it('falls in published ranges', () => {
    for (const r of rendered) {
      for (const [name, tissue, phases] of RANGES) {
        for (const [phase, [lo, hi]] of Object.entries(phases)) {
          const hu = meanHU(r, tissue, phase as (typeof PHASES)[number]);
          expect(hu, `${name} ${phase}`).toBeGreaterThanOrEqual(lo);
          expect(hu, `${name} ${phase}`).toBeLessThanOrEqual(hi);
        }
      }
    }
  });

  it('shows corticomedullary differentiation in A that fades by V', () => {
    for (const r of rendered) {
      expect(meanHU(r, T.CORTEX, 'A') - meanHU(r, T.MEDULLA, 'A')).toBeGreaterThan(50);
      expect(Math.abs(meanHU(r, T.CORTEX, 'V') - meanHU(r, T.MEDULLA, 'V'))).toBeLessThan(40);
    }
  });

  it('has scanner-like noise (5–20 HU sd in uniform fat)', () => {
    for (const r of rendered) {
      const { sd } = stats(r.patient.volumes!.phases.N, interior(r.map, T.FAT));
      expect(sd).toBeGreaterThan(5);
      expect(sd).toBeLessThan(20);
    }
  });

  it('renders masses: cyst fluid does not enhance, solid carcinoma tissue does', () => {
    let checked = 0;
    for (const r of rendered) {
      placedMasses(r.patient).forEach((p) => {
        const fluid = interior(r.map, MASS_BASE + 8 * p.index + C.FLUID);
        if (p.mass.composition === 3 && fluid.length > 10) {
          const n = stats(r.patient.volumes!.phases.N, fluid).mean;
          expect(Math.abs(stats(r.patient.volumes!.phases.A, fluid).mean - n)).toBeLessThan(8);
          checked++;
        }
        const solid = interior(r.map, MASS_BASE + 8 * p.index + C.SOLID);
        if (p.mass.composition <= 1 && p.mass.solidRise[0] > 60 && solid.length > 10) {
          const rise =
            stats(r.patient.volumes!.phases.A, solid).mean - stats(r.patient.volumes!.phases.N, solid).mean;
          expect(rise).toBeGreaterThan(40);
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('volumes and segmentation', () => {
  it('are int16 HU and KiTS labels on the preset grid', () => {
    for (const { patient } of rendered) {
      const v = patient.volumes!;
      expect(v.shape).toEqual([128, 128, 32]);
      for (const p of PHASES) expect(v.phases[p]).toBeInstanceOf(Int16Array);
      expect(new Set(v.segmentation)).toEqual(new Set([...new Set(v.segmentation)].filter((x) => x <= 3)));
      // Both kidneys are labelled, on the correct side: i grows toward the patient's left.
      let leftKidney = 0;
      let rightKidney = 0;
      v.segmentation.forEach((label, n) => {
        if (label === 1) n % 128 >= 64 ? leftKidney++ : rightKidney++;
      });
      expect(leftKidney).toBeGreaterThan(1000);
      expect(rightKidney).toBeGreaterThan(1000);
      const masses = patient.kidneys.L.masses.length + patient.kidneys.R.masses.length;
      expect(v.segmentation.some((x) => x >= 2)).toBe(masses > 0);
    }
  });

  it('marks the dominant mass at the manifest centre', () => {
    for (const { patient } of rendered) {
      for (const k of [patient.kidneys.L, patient.kidneys.R]) {
        const [i, j, kk] = k.center;
        const label = patient.volumes!.segmentation[i + 128 * (j + 128 * kk)];
        expect(label).toBe(k.masses.length === 0 ? 1 : k.masses[0].pathology.pathology === 'cyst' ? 3 : 2);
      }
    }
  });
});

describe('the imageSignal knob', () => {
  it('fades masses into the parenchyma as it goes to 0', async () => {
    const { huTables } = await import('../src/tissues.js');
    const masses = placedMasses(rendered[0].patient).map((p) => p.mass);
    expect(masses.length).toBeGreaterThan(0);
    const full = huTables(new Rng(1), masses, 1);
    const none = huTables(new Rng(1), masses, 0);
    for (let phase = 0; phase < 4; phase++) {
      const parenchyma = (none[phase][T.CORTEX] + none[phase][T.MEDULLA]) / 2;
      for (let c = 0; c < 8; c++) expect(none[phase][MASS_BASE + c]).toBeCloseTo(parenchyma, 3);
      expect(full[phase][MASS_BASE + C.FAT]).toBeLessThan(-50);
    }
  });
});
