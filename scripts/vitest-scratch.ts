// Vitest global setup: each package's test run gets a temporary folder of its own as TMPDIR — what os.tmpdir()
// returns in the test workers and in the CLI processes they spawn — and removes it when the run ends, so the
// suites' scratch folders (crop caches, checkpoints, cohorts) do not pile up in the machine's /tmp.
// RENAL_CLIP_KEEP_TEST_TMP=1 keeps the folder, to look at what a failing test wrote.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const scratch = mkdtempSync(join(tmpdir(), 'renal-clip-tests-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    if (process.env.RENAL_CLIP_KEEP_TEST_TMP === '1') console.log(`test scratch kept in ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  };
}
