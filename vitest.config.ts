import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests spawn CLIs and servers; two workers match the 2-core machines this runs on.
    pool: 'forks',
    maxWorkers: 2,
  },
});
