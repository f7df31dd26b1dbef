import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Transpiles src/ once for the suites that spawn the real command (test/helpers/server-entry.ts).
    globalSetup: ['test/setup/compile-src.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: more workers only add contention against the shared databases.
    maxWorkers: 2,
  },
});
