import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'renal-clip-synth-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCli(args);
    const text = (spy: typeof out) => spy.mock.calls.map((c) => String(c[0])).join('');
    return { code, stdout: text(out), stderr: text(err) };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('renal-clip synth', () => {
  it('writes a tiny cohort and prints a JSON summary and a progress bar', async () => {
    const out = join(root, 'cohort');
    const r = await run([
      'synth',
      '--out',
      out,
      '--patients',
      '2',
      '--seed',
      '3',
      '--preset',
      'tiny',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.patients).toBe(2);
    expect(summary.kidneys).toBe(4);
    expect(summary.grid.shape).toEqual([128, 128, 32]);
    expect(summary.oracle).toHaveProperty('malignancyAuc');
    expect(r.stderr).toMatch(/synth \[#+\] 2\/2/);
    const lines = readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[0]).phases.A).toBe('images/synth_00000/A.nii.gz');
  });

  it('writes the KiTS layout', async () => {
    const out = join(root, 'kits');
    const r = await run([
      'synth',
      '--out',
      out,
      '--patients',
      '1',
      '--preset',
      'tiny',
      '--layout',
      'kits',
      '--no-progress',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote 1 patients/);
    expect(JSON.parse(readFileSync(join(out, 'kits.json'), 'utf8'))[0].case_id).toBe('case_00000');
  });

  it('exits non-zero with a one-line error on bad options', async () => {
    for (const args of [
      ['--patients', '0'],
      ['--layout', 'nifti'],
      ['--preset', 'huge'],
      ['--label-noise', '2'],
      ['--compression', 'zip'],
    ]) {
      const r = await run(['synth', '--out', join(root, 'bad'), '--no-progress', ...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/^renal-clip: synth: .+\n$/);
    }
  });
});
