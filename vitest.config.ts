import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // better-sqlite3 is a native module: separate processes are the safe pool for it.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // In CI also write JSON, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
