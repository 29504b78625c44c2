// The test settings every package shares; each package's vitest.config.ts re-exports them.
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: [fileURLToPath(new URL('./scripts/vitest-scratch.ts', import.meta.url))],
  },
});
