import { Rng } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_CLASS_COUNTS,
  ATTRIBUTES,
  attributeIndex,
  concordanceIndex,
  diseaseRisk,
  generatePatient,
  type KidneyRecord,
  type PatientRecord,
  patientSeed,
} from '../src/index.js';

const PATIENTS = 400;
let patients: PatientRecord[] = [];
let kidneys: KidneyRecord[] = [];
let withMass: KidneyRecord[] = [];

beforeAll(() => {
  patients = Array.from({ length: PATIENTS }, (_, i) =>
    generatePatient(new Rng(patientSeed(11, i)), { preset: 'tiny', render: false }),
  );
  kidneys = patients.flatMap((p) => [p.kidneys.R, p.kidneys.L]);
  withMass = kidneys.filter((k) => k.masses.length > 0);
});

const fraction = (items: unknown[], total: number) => items.length / total;

describe('the attribute schema', () => {
  it("has the paper's class counts", () => {
    expect(ATTRIBUTE_CLASS_COUNTS).toEqual([3, 4, 5, 2, 5, 4, 7, 3, 7, 4, 3, 5, 5, 3]);
    expect(new Set(ATTRIBUTES.map((a) => a.name)).size).toBe(14);
    for (const a of ATTRIBUTES) expect(new Set(a.classes).size).toBe(a.classes.length);
  });
});

describe('cohort statistics', () => {
  it('every label is −1 or a valid class', () => {
    for (const k of kidneys) {
      expect(k.attributes).toHaveLength(14);
      k.attributes.forEach((v, a) => {
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(-1);
        expect(v).toBeLessThan(ATTRIBUTE_CLASS_COUNTS[a]);
      });
    }
  });

  it('has plausible frequencies of masses, pathologies and aggressiveness', () => {
    const massFraction = fraction(withMass, kidneys.length);
    expect(massFraction).toBeGreaterThan(0.45);
    expect(massFraction).toBeLessThan(0.7);
    const malignant = withMass.filter((k) => k.malignant);
    expect(fraction(malignant, withMass.length)).toBeGreaterThan(0.45);
    expect(fraction(malignant, withMass.length)).toBeLessThan(0.8);
    const counts = new Map<string, number>();
    for (const k of withMass) {
      const p = k.masses[0].pathology.pathology;
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    const share = (p: string) => (counts.get(p) ?? 0) / withMass.length;
    expect(share('clear_cell')).toBeGreaterThan(0.3);
    expect(share('clear_cell')).toBeLessThan(0.6);
    for (const p of ['papillary', 'chromophobe', 'oncocytoma', 'angiomyolipoma', 'cyst']) {
      expect(share(p)).toBeGreaterThan(0.02);
      expect(share(p)).toBeLessThan(0.35);
    }
    const aggressive = malignant.filter((k) => k.aggressive);
    expect(fraction(aggressive, malignant.length)).toBeGreaterThan(0.2);
    expect(fraction(aggressive, malignant.length)).toBeLessThan(0.65);
    expect(withMass.filter((k) => !k.malignant && k.aggressive)).toHaveLength(0);
  });

  it('uses every class of every attribute, and leaves about unknownRate unknown', () => {
    const lesionCount = attributeIndex('lesion_count');
    ATTRIBUTES.forEach((a, i) => {
      const seen = new Set(withMass.map((k) => k.attributes[i]).filter((v) => v >= 0));
      expect(seen.size, a.name).toBe(a.classes.length - (i === lesionCount ? 1 : 0));
    });
    // Attributes that apply to every mass: unknown only through the report gaps (12 %) and label noise.
    for (const name of ['size', 'margin', 'location', 'calcification', 'invasion'] as const) {
      const i = attributeIndex(name);
      const unknown = withMass.filter((k) => k.attributes[i] === -1).length / withMass.length;
      expect(unknown, name).toBeGreaterThan(0.06);
      expect(unknown, name).toBeLessThan(0.2);
    }
    expect(kidneys.every((k) => k.attributes[lesionCount] >= 0)).toBe(true);
  });

  it('fat means angiomyolipoma far more often than not', () => {
    const fat = withMass.filter((k) => k.masses[0].features.fatFraction > 0);
    const aml = fat.filter((k) => k.masses[0].pathology.pathology === 'angiomyolipoma');
    expect(fraction(aml, fat.length)).toBeGreaterThan(0.7);
  });

  it('larger masses score higher R, by the clinical cut-offs', () => {
    for (const k of withMass) {
      const [a, b, c] = k.masses[0].features.diameters.map((d) => Math.round(d) / 10);
      const d = Math.max(a, b, c);
      expect(k.renal?.R).toBe(d <= 4 ? 1 : d < 7 ? 2 : 3);
    }
    const meanR = (lo: number, hi: number) => {
      const group = withMass.filter((k) => {
        const d = Math.max(...k.masses[0].features.diameters) / 10;
        return d >= lo && d < hi;
      });
      return group.reduce((s, k) => s + (k.renal?.R ?? 0), 0) / group.length;
    };
    expect(meanR(0, 3)).toBeLessThan(meanR(3, 6));
    expect(meanR(3, 6)).toBeLessThan(meanR(6, 20));
  });

  it('R.E.N.A.L. parts take their clinical values and every part varies', () => {
    const values = { R: new Set(), E: new Set(), N: new Set(), A: new Set(), L: new Set(), H: new Set() };
    for (const k of withMass) {
      const r = k.renal!;
      for (const key of Object.keys(values) as (keyof typeof values)[]) values[key].add(r[key]);
      expect([1, 2, 3]).toContain(r.E);
      expect(['a', 'p', 'x']).toContain(r.A);
      // Entirely endophytic means no part of the mass outside the kidney.
      if (r.E === 3) expect(k.masses[0].geometry.exophyticFraction).toBe(0);
      if (r.E === 1) expect(k.masses[0].geometry.exophyticFraction).toBeGreaterThanOrEqual(0.5);
    }
    for (const key of ['R', 'E', 'N', 'A', 'L'] as const) expect(values[key].size, key).toBe(3);
    expect(values.H.size).toBe(2);
    expect(kidneys.filter((k) => k.masses.length === 0).every((k) => k.renal === null)).toBe(true);
  });

  it('malignant masses enhance heterogeneously more often than benign ones', () => {
    const pattern = attributeIndex('enhancement_pattern');
    const heterogeneous = (malignant: boolean) => {
      const group = withMass.filter((k) => k.malignant === malignant && k.trueAttributes[pattern] >= 0);
      return group.filter((k) => k.trueAttributes[pattern] === 1).length / group.length;
    };
    expect(heterogeneous(true)).toBeGreaterThan(heterogeneous(false) + 0.15);
  });

  it('the true malignancy probability separates the classes well but not perfectly', () => {
    const scores = withMass.map((k) => k.malignancyProbability);
    const labels = withMass.map((k) => k.malignant);
    let concordant = 0;
    let pairs = 0;
    scores.forEach((s, i) => {
      if (!labels[i]) return;
      scores.forEach((t, j) => {
        if (labels[j]) return;
        pairs++;
        concordant += s > t ? 1 : s === t ? 0.5 : 0;
      });
    });
    const auc = concordant / pairs;
    expect(auc).toBeGreaterThan(0.85);
    expect(auc).toBeLessThan(0.99);
  });
});

describe('outcomes', () => {
  it('are consistent: DSS death is a death, recurrence never after death, RFS ≤ OS', () => {
    for (const p of patients) {
      expect(p.dss.time).toBe(p.os.time);
      if (p.dss.event) expect(p.os.event).toBe(true);
      expect(p.rfs.time).toBeLessThanOrEqual(p.os.time);
      if (p.os.event) expect(p.rfs.event).toBe(true);
      expect(p.os.time).toBeGreaterThan(0);
      expect(p.os.time).toBeLessThanOrEqual(120);
    }
  });

  it('the true risk orders RFS with a C-index above 0.7 (also among carcinomas)', () => {
    expect(
      concordanceIndex(
        patients.map((p) => p.rfsRisk),
        patients.map((p) => p.rfs),
      ),
    ).toBeGreaterThan(0.7);
    const cancer = patients.filter((p) => p.kidneys.L.malignant || p.kidneys.R.malignant);
    expect(
      concordanceIndex(
        cancer.map((p) => p.rfsRisk),
        cancer.map((p) => p.rfs),
      ),
    ).toBeGreaterThan(0.7);
    const events = cancer.filter((p) => p.rfs.event).length / cancer.length;
    expect(events).toBeGreaterThan(0.15);
    expect(events).toBeLessThan(0.7);
  });

  it("the patient's disease risk is that of their worst carcinoma, and very low without one", () => {
    for (const p of patients.slice(0, 100)) {
      const carcinomas = [...p.kidneys.R.masses, ...p.kidneys.L.masses]
        .map((m) => m.pathology)
        .filter((m) => m.malignant);
      expect(diseaseRisk(carcinomas, 1)).toBe(p.diseaseRisk);
      const perCarcinoma = carcinomas.map((c) => diseaseRisk([c], 1));
      expect(p.diseaseRisk).toBe(carcinomas.length ? Math.max(...perCarcinoma) : -4);
    }
    const base = {
      pathology: 'clear_cell',
      isupGrade: 2,
      tStage: '1a',
      nStage: '0',
      mStage: '0',
      severity: 0,
    };
    const risk = (change: object) => diseaseRisk([{ ...base, ...change } as never], 1);
    expect(risk({ isupGrade: 4 })).toBeGreaterThan(risk({}));
    expect(risk({ tStage: '3a' })).toBeGreaterThan(risk({}));
    expect(risk({ mStage: '1' })).toBeGreaterThan(risk({}));
  });

  it('the C-index helper agrees with a hand-computed case', () => {
    const outcomes = [
      { time: 1, event: true },
      { time: 2, event: false },
      { time: 3, event: true },
      { time: 4, event: false },
    ];
    // Comparable pairs: (0,1) (0,2) (0,3) (2,3); risk orders three of them correctly.
    expect(concordanceIndex([4, 3, 1, 2], outcomes)).toBeCloseTo(3 / 4);
  });
});

describe('knobs', () => {
  it('unknownRate 0 and labelNoise 0 give the true labels; unknownRate 1 leaves only lesion_count', () => {
    const exact = generatePatient(new Rng(5), {
      preset: 'tiny',
      render: false,
      knobs: { unknownRate: 0, labelNoise: 0 },
    });
    for (const k of [exact.kidneys.L, exact.kidneys.R]) expect(k.attributes).toEqual(k.trueAttributes);
    const silent = generatePatient(new Rng(5), { preset: 'tiny', render: false, knobs: { unknownRate: 1 } });
    for (const k of [silent.kidneys.L, silent.kidneys.R]) {
      expect(k.attributes.filter((v) => v >= 0)).toEqual([k.trueAttributes[attributeIndex('lesion_count')]]);
    }
  });

  it('rejects out-of-range knobs with a typed error', () => {
    expect(() => generatePatient(new Rng(1), { render: false, knobs: { labelNoise: 2 } })).toThrow(
      /labelNoise/,
    );
    expect(() => generatePatient(new Rng(1), { render: false, preset: 'huge' as 'tiny' })).toThrow(/preset/);
  });

  it('is deterministic for a seed', () => {
    const a = generatePatient(new Rng(42), { preset: 'tiny', render: false });
    const b = generatePatient(new Rng(42), { preset: 'tiny', render: false });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
