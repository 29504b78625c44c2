import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyResults, type PipelineResults, qualityBarAcrossSeeds } from '../src/index.js';
import { seedTable } from '../src/cli/commands/demo.js';
import { run } from './helpers/run-cli.js';

/** A run whose quality bar holds the given criteria; those named "tasks…" are counts, the rest scores. */
function resultsWith(seed: number, bar: [string, number, boolean][]): PipelineResults {
  const results = emptyResults('t', 'tiny', seed);
  results.qualityBar = bar.map(([name, value, met]) => ({
    name,
    value,
    target: '≥ 0.75',
    met,
    unit: name.startsWith('tasks') ? 'count' : 'score',
  }));
  return results;
}

describe('qualityBarAcrossSeeds', () => {
  it('puts each seed beside the others with mean, sample sd, range and seeds met', () => {
    const spread = qualityBarAcrossSeeds([
      resultsWith(0, [
        ['zero-shot', 0.7, false],
        ['RFS', 0.6, false],
      ]),
      resultsWith(1, [
        ['zero-shot', 0.8, true],
        ['RFS', 0.7, true],
      ]),
      resultsWith(2, [['zero-shot', 0.9, true]]),
    ]);
    expect(spread.seeds).toEqual([0, 1, 2]);
    const [zeroShot, rfs] = spread.criteria;
    expect(zeroShot).toMatchObject({ name: 'zero-shot', target: '≥ 0.75', met: 2, min: 0.7, max: 0.9 });
    expect(zeroShot.mean).toBeCloseTo(0.8, 12);
    expect(zeroShot.sd).toBeCloseTo(0.1, 12);
    // A criterion a run lacks is NaN there and left out of the summary.
    expect(rfs.values[2]).toBeNaN();
    expect(rfs.mean).toBeCloseTo(0.65, 12);
    expect(rfs.sd).toBeCloseTo(Math.SQRT1_2 * 0.1, 12);
    expect(rfs.met).toBe(1);
  });

  it('gives NaN, not infinities, for a criterion no run measured', () => {
    const runs = [resultsWith(0, [['RFS', Number.NaN, false]]), resultsWith(1, [])];
    const [rfs] = qualityBarAcrossSeeds(runs).criteria;
    expect([rfs.mean, rfs.sd, rfs.min, rfs.max]).toEqual([Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
  });

  it('has no spread for a single seed', () => {
    const { criteria } = qualityBarAcrossSeeds([resultsWith(4, [['zero-shot', 0.7, false]])]);
    expect(criteria[0].mean).toBe(0.7);
    expect(criteria[0].sd).toBeNaN();
  });
});

describe('seedTable', () => {
  it('prints each seed, the spread and seeds met, with a dash for what was not measured', () => {
    const spread = qualityBarAcrossSeeds([
      resultsWith(0, [
        ['zero-shot', 0.7, false],
        ['tasks', 4, false],
        ['AUC', 1, true],
        ['tasks ordered', 4, false],
      ]),
      resultsWith(1, [
        ['zero-shot', 0.8, true],
        ['tasks', 6, true],
        ['RFS', Number.NaN, false],
        ['AUC', 0.5, false],
        ['tasks ordered', 5, false],
      ]),
    ]);
    const lines = seedTable(spread).split('\n');
    expect(lines[0]).toMatch(/^criterion\s+seed 0\s+seed 1\s+mean ± sd\s+range\s+met\s+target$/);
    expect(lines[1]).toMatch(
      /^zero-shot\s+0\.700\s+0\.800\s+0\.750 ± 0\.071\s+0\.700–0\.800\s+1\/2\s+≥ 0\.75$/,
    );
    // Counts print as whole numbers, their mean and spread to one decimal; a score keeps three decimals
    // even when it is a whole number (an AUC of exactly 1).
    expect(lines[2]).toMatch(/^tasks\s+4\s+6\s+5 ± 1\.4\s+4–6\s+1\/2\s+≥ 0\.75$/);
    expect(lines[3]).toMatch(/^AUC\s+1\.000\s+0\.500\s+0\.750 ± 0\.354\s+0\.500–1\.000\s+1\/2\s+≥ 0\.75$/);
    expect(lines[4]).toMatch(/^tasks ordered\s+4\s+5\s+4\.5 ± 0\.7\s+4–5\s+0\/2\s+≥ 0\.75$/);
    expect(lines[5]).toMatch(/^RFS\s+—\s+—\s+— ± —\s+—\s+0\/2\s+≥ 0\.75$/);
  });
});

/** A `--config` file that makes a demo take seconds: narrow widths, one epoch, few resamples. */
function writeSmallConfig(dir: string): string {
  const file = join(dir, 'small.json');
  writeFileSync(
    file,
    JSON.stringify({
      widths: [4, 8, 8, 8],
      embedDim: 16,
      image: { epochs: 1 },
      align: { epochs: 1, batchSize: 8, headWarmupSteps: 5 },
      task: { epochs: 2, hidden: 8 },
      finetune: { epochs: 1 },
      dataEfficiency: { fractions: [1], seeds: 1 },
      bootstrap: 10,
    }),
  );
  return file;
}

describe('renal-clip demo --finetune --fusion', () => {
  it('runs stage 3 as asked: fine-tuned end to end, with late fusion over the phases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-finetune-'));
    const argv = ['demo', '--patients', '10', '--config', writeSmallConfig(dir), '--finetune', '--fusion'];
    const { code, out, err } = await run([...argv, '--out', join(dir, 'out'), '--text', 'tfidf', '--json']);
    expect(code, err).toBe(0);
    const { notes, tasks } = JSON.parse(out);
    expect(notes).toContainEqual(expect.stringContaining('fine-tuned end to end (1 epochs per task'));
    expect(notes).toContainEqual(expect.stringContaining('late fusion'));
    expect(tasks.some((t: { task: string }) => t.task === 'malignancy')).toBe(true);
  }, 120_000);
});

describe('renal-clip demo --pretrain-patients', () => {
  it('sizes the pretraining-only cohort, or leaves it out with 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-pretraining-'));
    const small = writeSmallConfig(dir);
    const demo = (patients: string, out: string) =>
      run([
        'demo',
        '--patients',
        '10',
        '--pretrain-patients',
        patients,
        '--config',
        small,
        '--text',
        'tfidf',
        '--out',
        join(dir, out),
        '--json',
      ]);
    const four = await demo('4', 'four');
    expect(four.code, four.err).toBe(0);
    expect(JSON.parse(four.out).cohort.pretraining).toMatchObject({ patients: 4, kidneys: 8 });
    expect(JSON.parse(four.out).cohort.pretraining.source).toContain('seed 1000000');
    expect(
      readFileSync(join(dir, 'four', 'pretrain-cohort', 'manifest.jsonl'), 'utf8').split('\n'),
    ).toHaveLength(9);
    const none = await demo('0', 'none');
    expect(none.code, none.err).toBe(0);
    expect(JSON.parse(none.out).cohort.pretraining).toBeUndefined();
    expect(existsSync(join(dir, 'none', 'pretrain-cohort'))).toBe(false);
    expect((await demo('-1', 'bad')).err).toMatch(/--pretrain-patients must be an integer ≥ 0, got "-1"/);
  }, 120_000);
});

describe('renal-clip demo --seeds', () => {
  it('runs one demo per seed in OUT/seed-S and writes the quality bar across them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-seeds-'));
    const small = writeSmallConfig(dir);
    const out = join(dir, 'out');
    const argv = ['demo', '--patients', '10', '--seeds', '2', '--seed', '3', '--config', small];
    const {
      code,
      out: text,
      err,
    } = await run([...argv, '--out', out, '--text', 'tfidf', '--backend', 'wasm', '--json']);
    expect(code, err).toBe(0);
    const printed = JSON.parse(text);
    expect(printed.seeds).toEqual([3, 4]);
    for (const s of [3, 4]) expect(existsSync(join(out, `seed-${s}`, 'report.html'))).toBe(true);
    const written = JSON.parse(readFileSync(join(out, 'quality-bar-seeds.json'), 'utf8'));
    expect(written.seeds).toEqual([3, 4]);
    // Each criterion's values are the per-seed reports' own quality bars.
    expect(written.criteria.length).toBeGreaterThanOrEqual(4);
    for (const [i, s] of [3, 4].entries()) {
      const metrics = JSON.parse(readFileSync(join(out, `seed-${s}`, 'metrics.json'), 'utf8'));
      expect(metrics.seed).toBe(s);
      // No pretraining-only cohort unless asked for.
      expect(metrics.cohort.pretraining).toBeUndefined();
      for (const criterion of written.criteria) {
        const own = metrics.qualityBar.find((q: { name: string }) => q.name === criterion.name);
        // A criterion a seed's run could not measure is NaN, which JSON writes as null.
        expect(criterion.values[i]).toBe(own ? own.value : null);
      }
    }
    expect((await run(['demo', '--seeds', '0'])).err).toMatch(/--seeds must be a positive integer/);
  }, 120_000);
});
