import { defineConfig } from 'vitest/config';
import { EngineAwareSequencer } from './test/engine-aware-sequencer.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests spawn CLIs and servers on 2-core machines. A third worker keeps both cores busy while a Docker suite waits
    // for the engine lock or for containers.
    pool: 'forks',
    maxWorkers: 3,
    sequence: { sequencer: EngineAwareSequencer },
  },
});
