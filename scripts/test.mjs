#!/usr/bin/env node
// Runs every package's vitest suite through turbo, then prints the totals as one line
// `N passed, N failed, N skipped` that CI reads (vitest's own summary is per package).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const resultFiles = readdirSync(packagesDir).map((name) => join(packagesDir, name, '.vitest-result.json'));
for (const file of resultFiles) rmSync(file, { force: true });

const extra = process.argv.slice(2);
const run = spawnSync('pnpm', ['exec', 'turbo', 'run', 'test', '--continue', ...extra], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const file of resultFiles) {
  if (!existsSync(file)) {
    missing.push(file);
    continue;
  }
  const result = JSON.parse(readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + (result.numTodoTests ?? 0);
  // A suite that fails to load (syntax error, missing import) has no tests to count: count it as a failure.
  failed += (result.testResults ?? []).filter(
    (s) => s.status === 'failed' && s.assertionResults.length === 0,
  ).length;
}
if (missing.length > 0 && extra.length === 0) {
  console.error(`no test results from: ${missing.join(', ')}`);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status !== 0 || failed > 0 || (missing.length > 0 && extra.length === 0) ? 1 : 0);
