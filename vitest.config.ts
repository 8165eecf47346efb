import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal native core and worker threads do not mix: one forked process per test file.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
  },
});
