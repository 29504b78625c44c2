import { Rng } from 'renal-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES, generatePatient, type KidneyRecord, patientSeed } from '../src/index.js';
import { parseReport } from './report-parser.js';

let kidneys: KidneyRecord[] = [];

beforeAll(() => {
  kidneys = Array.from({ length: 300 }, (_, i) =>
    generatePatient(new Rng(patientSeed(23, i)), { preset: 'tiny', render: false }),
  ).flatMap((p) => [p.kidneys.R, p.kidneys.L]);
});

describe('reports', () => {
  it('have a Findings and an Impression section', () => {
    for (const k of kidneys) expect(k.report).toMatch(/^Findings: .+\nImpression: .+$/s);
  });

  it('state every known attribute, mention no unknown one, and contradict none', () => {
    const failures: string[] = [];
    for (const k of kidneys) {
      const parsed = parseReport(k.report);
      ATTRIBUTES.forEach((a, i) => {
        const expected = k.attributes[i] < 0 ? null : k.attributes[i];
        const got = parsed[a.name];
        if (got !== expected) failures.push(`${a.name}: label ${expected}, report says ${got}\n${k.report}`);
      });
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('are varied: many distinct wordings, negations, hedges and measurements', () => {
    const texts = kidneys.map((k) => k.report);
    const massReports = kidneys.filter((k) => k.masses.length > 0).map((k) => k.report);
    expect(new Set(massReports).size).toBeGreaterThan(0.98 * massReports.length);
    const openings = new Set(texts.map((t) => t.split(' ').slice(1, 4).join(' ')));
    expect(openings.size).toBeGreaterThan(10);
    expect(texts.some((t) => /\bno\b.*\bcalcification\b/i.test(t))).toBe(true);
    expect(texts.some((t) => /\d+\.\d × \d+\.\d cm/.test(t))).toBe(true);
    expect(texts.some((t) => /\d+ × \d+ mm/.test(t))).toBe(true);
    expect(texts.some((t) => /suspicious for|likely|probably|in keeping with/.test(t))).toBe(true);
  });

  it('misstate a label consistently when label noise changes it', () => {
    const noisy = Array.from({ length: 40 }, (_, i) =>
      generatePatient(new Rng(i), {
        preset: 'tiny',
        render: false,
        knobs: { labelNoise: 0.5, unknownRate: 0 },
      }),
    ).flatMap((p) => [p.kidneys.R, p.kidneys.L]);
    let changed = 0;
    for (const k of noisy) {
      const parsed = parseReport(k.report);
      ATTRIBUTES.forEach((a, i) => {
        if (k.attributes[i] !== k.trueAttributes[i]) changed++;
        expect(parsed[a.name], `${a.name}\n${k.report}`).toBe(k.attributes[i] < 0 ? null : k.attributes[i]);
      });
    }
    expect(changed).toBeGreaterThan(50);
  });
});
