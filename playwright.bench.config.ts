import { defineConfig } from '@playwright/test';

/**
 * `npm run bench:e2e`: browser benchmarks in Debian's Chromium with the built
 * extension (bench/e2e/*.bench.ts). Not part of `npm test`: they measure, they
 * do not assert timings. One worker, no retries.
 */
export default defineConfig({
  testDir: 'bench/e2e',
  testMatch: '**/*.bench.ts',
  outputDir: 'test-results/bench',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 600_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
});
