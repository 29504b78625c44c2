import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './helpers/run-cli.js';

describe('renal-clip CLI', () => {
  it('lists its verbs in --help and exits 0', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const verb of ['train', 'eval', 'embed-image', 'bench', 'demo']) expect(out).toContain(verb);
  });

  it('documents every train stage and the shared options', async () => {
    const { code, out } = await run(['train', '--help']);
    expect(code).toBe(0);
    for (const stage of ['image', 'text', 'align', 'task']) expect(out).toContain(stage);
    const image = await run(['train', 'image', '--help']);
    expect(image.out).toMatch(/--manifest <file>[\s\S]*--kits <dir>[\s\S]*--json/);
    expect((await run(['eval', '--help'])).out).toContain('--image-weights');
    expect((await run(['demo', '--help'])).out).toContain('--patients');
  });

  it('exits non-zero on an unknown verb', async () => {
    expect((await run(['no-such-verb'])).code).not.toBe(0);
  });

  it('gives one-line errors for missing or bad input', async () => {
    const noData = await run(['train', 'image', '--backend', 'cpu']);
    expect(noData.code).toBe(1);
    expect(noData.err).toMatch(/^renal-clip: no data: pass --manifest FILE or --kits DIR/);
    const missing = await run(['eval', '--manifest', '/nowhere/manifest.jsonl', '--backend', 'cpu']);
    expect(missing.err).toContain('/nowhere/manifest.jsonl: no such manifest');
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    const manifest = join(dir, 'manifest.jsonl');
    writeFileSync(manifest, '{"id":"a","patientId":"p","side":"Q","phases":{"A":"a.nii"}}\n');
    const bad = await run(['train', 'image', '--manifest', manifest, '--backend', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(`${manifest}:1: "side" must be "L" or "R"`);
    expect((await run(['demo', '--patients', '3'])).err).toMatch(/--patients must be an integer ≥ 10/);
    expect((await run(['train', 'image', '--manifest', manifest, '--preset', 'huge'])).err).toMatch(
      /unknown preset/,
    );
    expect((await run(['bench', '--backend', 'nope'])).err).toMatch(/--backend must be one of/);
  });
});
