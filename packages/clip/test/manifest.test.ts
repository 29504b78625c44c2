import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type KidneyRecord,
  ManifestError,
  parseManifest,
  readManifest,
  SplitLeakError,
  pretrainingRecords,
  splitByPatient,
  subsampleByPatient,
} from '../src/index.js';

const line = (o: Record<string, unknown>) =>
  JSON.stringify({ id: 'k1', patientId: 'p1', side: 'L', phases: { A: 'p1/A.nii.gz' }, ...o });

describe('manifest.jsonl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  const file = join(dir, 'manifest.jsonl');

  it('reads a full record, resolving paths against the manifest folder', () => {
    writeFileSync(
      file,
      `${line({
        center: [10, 20, 5],
        report: 'Findings: x',
        attributes: [0, 1, 2, 1, 0, 3, 6, -1, 0, 0, 0, 0, 0, 0],
        renal: { R: 1, E: 2, N: 3, A: 'p', L: 2, H: 'h' },
        malignant: true,
        aggressive: 0,
        rfs: { time: 12.5, event: 1 },
        split: 'test',
      })}\n\n`,
    );
    const [r] = readManifest(file);
    expect(r.phases.A).toBe(join(dir, 'p1/A.nii.gz'));
    expect(r.renal).toEqual({ R: 0, E: 1, N: 2, A: 1, L: 1, H: 1 });
    expect(r.malignant).toBe(1);
    expect(r.rfs).toEqual({ time: 12.5, event: 1 });
  });

  it('refuses paths that leave the manifest folder, naming file and line', () => {
    const text = `${line({})}\n${line({ id: 'k2', phases: { A: '../secret.nii.gz' } })}`;
    expect(() => parseManifest(text, file)).toThrow(ManifestError);
    expect(() => parseManifest(text, file)).toThrow(`${file}:2:`);
    expect(() => parseManifest(line({ phases: { A: '/etc/passwd' } }), file)).toThrow(/leaves the manifest/);
    expect(() => parseManifest(line({ mask: 'a/../../b' }), file)).toThrow(/leaves/);
  });

  it('names each kind of bad field', () => {
    expect(() => parseManifest('{oops', file)).toThrow(/:1: not valid JSON/);
    expect(() => parseManifest(line({ side: 'X' }), file)).toThrow(/"side"/);
    expect(() => parseManifest(line({ attributes: [0] }), file)).toThrow(/14 integers/);
    expect(() =>
      parseManifest(line({ attributes: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }), file),
    ).toThrow(/attribute 0/);
    expect(() => parseManifest(line({ phases: { X: 'a' } }), file)).toThrow(/unknown phase/);
    expect(() => parseManifest(line({ rfs: { time: -1, event: 1 } }), file)).toThrow(/rfs.time/);
    expect(() => parseManifest(line({ split: 'dev' }), file)).toThrow(/split/);
    expect(() => parseManifest(`${line({})}\n${line({})}`, file)).toThrow(/:2: duplicate id/);
    expect(() => parseManifest('\n', file)).toThrow(/no kidneys/);
    expect(() => readManifest(join(dir, 'missing.jsonl'))).toThrow(ManifestError);
  });
});

describe('patient-level splits', () => {
  const records: KidneyRecord[] = Array.from({ length: 50 }, (_, p) =>
    (['L', 'R'] as const).map((side) => ({
      id: `p${p}${side}`,
      patientId: `p${p}`,
      side,
      phases: { A: '/x' },
    })),
  ).flat();

  it('never puts one patient in two splits and honours the fractions', () => {
    const s = splitByPatient(records, { seed: 3 });
    const patients = (list: typeof records) => new Set(list.map((r) => r.patientId));
    const [tr, va, te] = [patients(s.train), patients(s.val), patients(s.test)];
    for (const p of tr) expect(va.has(p) || te.has(p)).toBe(false);
    for (const p of va) expect(te.has(p)).toBe(false);
    expect([tr.size, va.size, te.size]).toEqual([30, 10, 10]);
    expect(s.train.length + s.val.length + s.test.length).toBe(100);
    expect(splitByPatient(records, { seed: 3 }).test.map((r) => r.id)).toEqual(s.test.map((r) => r.id));
  });

  it('keeps manifest splits and refuses a patient split across them', () => {
    const own = records.map((r, i) => ({
      ...r,
      split: (i < 60 ? 'train' : i < 80 ? 'val' : 'test') as 'train' | 'val' | 'test',
    }));
    expect(splitByPatient(own).val.length).toBe(20);
    own[1] = { ...own[1], split: 'test' };
    expect(() => splitByPatient(own)).toThrow(SplitLeakError);
  });

  it('adds a pretraining-only cohort to the training split, and refuses one that shares a patient or id', () => {
    const s = splitByPatient(records, { seed: 3 });
    const extra: KidneyRecord[] = [
      { id: 'q0L', patientId: 'q0', side: 'L', phases: { A: '/y' } },
      { id: 'q0R', patientId: 'q0', side: 'R', phases: { A: '/y' } },
    ];
    expect(pretrainingRecords(s)).toEqual(s.train);
    expect(pretrainingRecords(s, extra).map((r) => r.id)).toEqual([...s.train, ...extra].map((r) => r.id));
    // A test patient among the pretraining kidneys would let stage 1 see a scan the tasks are scored on.
    const leaked = { ...extra[0], patientId: s.test[0].patientId };
    expect(() => pretrainingRecords(s, [leaked])).toThrow(SplitLeakError);
    expect(() => pretrainingRecords(s, [leaked])).toThrow(`"${s.test[0].patientId}"`);
    expect(() => pretrainingRecords(s, [{ ...extra[0], id: s.val[0].id }])).toThrow(/appears twice/);
    expect(() => pretrainingRecords(s, [extra[0], extra[0]])).toThrow(/appears twice/);
  });

  it('subsamples whole patients', () => {
    const sub = subsampleByPatient(records, 0.2, 1);
    expect(sub.length).toBe(20);
    expect(new Set(sub.map((r) => r.patientId)).size).toBe(10);
  });
});
