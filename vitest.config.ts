import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // better-sqlite3 is a native module: separate processes are the safe pool for it.
    pool: 'forks',
    // The tests mostly wait on sockets, timers and child processes, not the CPU: three forks on
    // a 2-core machine halve the wall time (258 s → 138 s measured), and every test waits for
    // the state it needs, never for a fixed time, so a busy machine makes them slower, not wrong.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // In CI also write JSON, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
