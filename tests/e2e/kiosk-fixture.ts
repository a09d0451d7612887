import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKiosk, type Kiosk } from '../../main/boot.js';
import { screenSettings, startBrowserMode, type BrowserMode } from '../../main/browser-mode.js';
import { parseConfig } from '../../main/config.js';
import { createLogger } from '../../main/log.js';

/**
 * The demo kiosk in browser mode, in the test's own process: sandboxes, simulator and printer on
 * loopback, the built renderer served to Debian's Chromium. Tests drive the page like a borrower
 * and read the sandboxes' ledgers.
 */
export interface KioskUnderTest {
  readonly kiosk: Kiosk;
  readonly browserMode: BrowserMode;
  /** Opens the kiosk screen and waits for the attract screen. */
  open(page: Page): Promise<void>;
}

const rendererDir = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

export async function startKiosk(
  overrides: Record<string, unknown> = {},
): Promise<KioskUnderTest & { stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  const config = parseConfig({
    terminal: { simulatorStepMs: 150 },
    // Each key Playwright types is a round trip to Chromium, which a loaded 2-core CI machine can
    // stretch past the 50 ms a real scanner never comes near; the wedge tests cover the timing.
    scanner: { wedge: { maxInterKeyMs: 120 } },
    ui: { idleTimeoutMs: 60_000, idleWarningMs: 15_000 },
    log: { level: 'warn' },
    ...overrides,
  });
  const log = createLogger({ level: 'warn' });
  const kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log });
  const browserMode = await startBrowserMode(kiosk, {
    rendererDir,
    port: 0,
    version: 'e2e',
    settings: screenSettings(config),
    log,
  });
  return {
    kiosk,
    browserMode,
    async open(page) {
      await page.setViewportSize({ width: 1080, height: 1440 });
      await page.goto(browserMode.url);
      // Connected to the core, settings received (the wedge detector is listening).
      await expect(page.locator('.kiosk[data-screen="attract"][data-connected="true"]')).toBeVisible();
    },
    async stop() {
      await browserMode.close();
      await kiosk.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const test = base.extend<{ kioskUnderTest: KioskUnderTest }>({
  // eslint-disable-next-line no-empty-pattern
  kioskUnderTest: async ({}, use) => {
    const running = await startKiosk();
    await use(running);
    await running.stop();
  },
});

export { expect };

/** Types a code as a keyboard-wedge scanner does: a burst of keys, then Enter. */
export async function wedgeScan(page: Page, code: string): Promise<void> {
  await page.keyboard.type(code, { delay: 3 });
  await page.keyboard.press('Enter');
}

/** Enters digits on the on-screen keypad and presses its submit key. */
export async function keypad(page: Page, digits: string, submit?: RegExp | string): Promise<void> {
  for (const digit of digits) await page.getByRole('button', { name: new RegExp(`^(Tal|Digit) ${digit}$`) }).click();
  if (submit) await page.getByRole('button', { name: submit }).click();
}

/** Full-page screenshot into test-results/screens (artifacts, not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}
