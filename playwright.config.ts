import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium (apt-get install chromium; .ci/run does it). Playwright
 * never downloads a browser here: the executable is given, and the flags keep Chromium from
 * calling out to a network this machine does not have.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  // Two at a time on the two cores: each test has its own kiosk (ports, data folder) and browser
  // page, and waits for states, never for time, so a loaded machine slows it without breaking it.
  workers: 2,
  // Whole journeys (axe-core on every screen, 3 s gestures, retries after an outage) on a loaded
  // 2-core CI machine: steps fail at their own limits long before this.
  timeout: 180_000,
  reporter: process.env.CI ? [['list'], ['json', { outputFile: 'test-results/playwright.json' }]] : [['list']],
  expect: { timeout: 10_000 },
  use: {
    browserName: 'chromium',
    screenshot: 'only-on-failure',
    // A click or navigation that cannot happen fails at that step, not as a bare test timeout.
    actionTimeout: 15_000,
    navigationTimeout: 15_000,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
  },
});
