import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: a little parallelism, without e2e suites starving each other of CPU.
    maxWorkers: 2,
    // The service's logs (and any console output) are printed for failing tests only.
    silent: 'passed-only',
  },
});
