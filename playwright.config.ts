import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium with the built extension (dist/).
 * One worker: every test starts its own browser profile, and the machine is small.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
});
