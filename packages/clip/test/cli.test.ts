import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/index.js';

describe('renal-clip CLI', () => {
  it('lists its verbs in --help and exits 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['--help'])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toMatch(/demo/);
    } finally {
      out.mockRestore();
    }
  });

  it('exits non-zero on an unknown verb', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['no-such-verb'])).not.toBe(0);
    } finally {
      err.mockRestore();
    }
  });
});
