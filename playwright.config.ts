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
  // An action that cannot happen (a button that is not there) fails within a minute instead of at the test's timeout.
  use: { trace: 'retain-on-failure', actionTimeout: 60_000 },
});
