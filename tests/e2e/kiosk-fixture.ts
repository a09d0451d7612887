import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { startRestartableBrowserMode, type RestartableBrowserMode } from '../../shells/browser/restartable.js';
import { screenSettings } from '../../shells/serve/screen-settings.js';
import { decryptSecrets, parseConfig } from '../../config/config.js';
import { ConfigFile } from '../../config/config-file.js';
import { createLogger } from '../../base/log.js';

/**
 * The demo kiosk in browser mode, in the test's own process: sandboxes, simulator and printer on
 * loopback, the built renderer served to Debian's Chromium. Tests drive the page like a borrower
 * and read the sandboxes' ledgers.
 */
export interface KioskUnderTest {
  readonly kiosk: Kiosk;
  readonly browserMode: RestartableBrowserMode;
  /** Where the technician's settings are saved in this run. */
  readonly configFile: string;
  /** Opens the kiosk screen and waits for the attract screen. */
  open(page: Page): Promise<void>;
}

const rendererDir = fileURLToPath(new URL('../../renderer/dist', import.meta.url));

export async function startKiosk(
  overrides: Record<string, unknown> = {},
  /** Where the journal lives (a directory the test made, e.g. on a small tmpfs); removed at stop. */
  dataDir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-')),
): Promise<KioskUnderTest & { stop(): Promise<void> }> {
  const configFile = join(dataDir, 'config.json');
  const log = createLogger({ level: 'warn' });
  // The test's configuration, with what a technician saved on the screen on top (a restart
  // from the technician screen boots again from both, as an installed kiosk does from its file).
  const configNow = () => {
    const saved = decryptSecrets(new ConfigFile(configFile).raw(), configFile) as Record<string, unknown>;
    return parseConfig(
      deepMerge(
        {
          terminal: { simulatorStepMs: 150 },
          // Each key Playwright types is a round trip to Chromium, which a loaded 2-core CI machine has
          // stretched past 120 ms (a journey's scan then read as typing: CI failed on it). Journeys type
          // nothing but scans, so they take the longest gap the settings allow; wedge.spec.ts tests the
          // detector's timing itself, at a scanner's pace and a person's.
          scanner: { wedge: { maxInterKeyMs: 500 } },
          ui: { idleTimeoutMs: 60_000, idleWarningMs: 15_000 },
          log: { level: 'warn' },
          ...overrides,
        },
        saved,
      ),
    );
  };
  const boot = async () => {
    const config = configNow();
    // Technicians' settings go to this run's own config file, never the developer's.
    const kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log, configFile });
    return { kiosk, settings: screenSettings(config) };
  };
  const browserMode = await startRestartableBrowserMode(boot, {
    rendererDir,
    port: 0,
    version: 'e2e',
    log,
    onBootFailure: (error) => {
      throw error;
    },
  });
  return {
    get kiosk() {
      return browserMode.current();
    },
    browserMode,
    configFile,
    async open(page) {
      await page.setViewportSize({ width: 1080, height: 1440 });
      await page.goto(browserMode.url);
      // Connected to the core, settings received (the wedge detector is listening).
      await expect(page.locator('.kiosk[data-screen="attract"][data-connected="true"]')).toBeVisible();
    },
    async stop() {
      await browserMode.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `base` with `over` laid on top, objects merged key by key (a saved `ui.language` keeps the rest of `ui`). */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key];
    merged[key] = isPlainObject(under) && isPlainObject(value) ? deepMerge(under, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/**
 * A keyboard-wedge scan: the code's keys and Enter, dispatched in one go where the focus is, so
 * they are a burst however busy the machine is (Playwright's keyboard is one round trip per key,
 * which a loaded machine stretches past the detector's gap). The detector itself, with real key
 * presses and the time between them set by the test, is tested in wedge.spec.ts.
 */
export async function wedgeScan(page: Page, code: string): Promise<void> {
  // The detector starts once the core has sent the screen its settings.
  await expect(page.locator('html[data-wedge="listening"]')).toHaveCount(1);
  await page.evaluate(
    (keys) => {
      // Runs in the page; DOM types are not in this Node-side project, hence the narrow shapes.
      type Target = { dispatchEvent(event: unknown): boolean };
      const page = globalThis as unknown as {
        document: { activeElement: Target | null; body: Target };
        KeyboardEvent: new (type: string, init: object) => unknown;
      };
      const target = page.document.activeElement ?? page.document.body;
      for (const key of keys)
        target.dispatchEvent(new page.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
    },
    [...code, 'Enter'],
  );
}

/** Enters digits on the on-screen keypad and presses its submit key. */
export async function keypad(page: Page, digits: string, submit?: RegExp | string): Promise<void> {
  for (const digit of digits) await page.getByRole('button', { name: new RegExp(`^(Tal|Digit) ${digit}$`) }).click();
  if (submit) await page.getByRole('button', { name: submit }).click();
}

/**
 * Every screen the tests reach is looked at twice: a full-page screenshot into
 * test-results/screens (artifacts, not committed; people look at them) and an axe-core audit
 * against WCAG 2.1 A and AA (contrast, names, roles, language), which must find nothing.
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
  // axe-core can stall when the screen changes under it; fail at this step instead of hanging.
  const results = await Promise.race([
    new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze(),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`axe-core did not finish on ${name} within 20 s`)), 20_000).unref(),
    ),
  ]);
  const violations = results.violations.map(
    (v) => `${v.id} (${v.impact ?? 'n/a'}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(violations, `axe-core on ${name}`).toEqual([]);
  expect(await page.evaluate(findUndersized), `text under 20 px or touch targets under 64 px on ${name}`).toEqual([]);
}

/**
 * The three screens libraries have: a portrait kiosk, a landscape one, and the 5:4 monitor many
 * libraries already own. Every borrower screen is photographed and audited at each.
 */
export const SCREEN_SIZES = {
  portrait: { width: 1080, height: 1920 },
  landscape: { width: 1920, height: 1080 },
  square: { width: 1280, height: 1024 },
} as const;

/** Each size in turn: the screen uses the whole of it, with its step indicator; then axe. */
export async function everySize(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of Object.entries(SCREEN_SIZES)) {
    await page.setViewportSize(viewport);
    const card = (await page.locator('main > .screen').boundingBox())!;
    // The card reaches the bottom of the screen (less the page's own margin): no empty half.
    expect(card.y + card.height, `${name} at ${size}: the card ends near the bottom`).toBeGreaterThan(
      viewport.height * 0.95,
    );
    expect(card.x + card.width).toBeLessThanOrEqual(viewport.width);
    await expect(page.locator('nav.steps [aria-current="step"]')).toHaveCount(1);
    await checkScreen(page, `${name}-${size}`);
  }
  await page.setViewportSize(SCREEN_SIZES.portrait);
}

/** The little of the DOM findUndersized uses, typed here because this file is compiled for Node. */
interface PageElement {
  readonly tagName: string;
  readonly className: unknown;
  readonly textContent: string | null;
  readonly type?: string;
  readonly childNodes: ArrayLike<{ readonly nodeType: number; readonly textContent: string | null }>;
  getBoundingClientRect(): { readonly width: number; readonly height: number };
  closest(selector: string): PageElement | null;
}
interface PageGlobals {
  readonly document: { querySelectorAll(selector: string): ArrayLike<PageElement> };
  getComputedStyle(el: PageElement): { readonly fontSize: string; readonly visibility: string };
}

/**
 * The kiosk's own rules, stricter than WCAG's: visible text at least 20 px, touch targets at
 * least 64 × 64 px. Runs inside the page (passed to page.evaluate), so it is self-contained.
 */
function findUndersized(): string[] {
  const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
  const problems: string[] = [];
  const describe = (el: PageElement): string =>
    `${el.tagName.toLowerCase()}.${String(el.className).split(' ').join('.')} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
  const visible = (el: PageElement): boolean => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  for (const el of Array.from(document.querySelectorAll('body *'))) {
    if (!visible(el) || el.closest('svg')) continue;
    const TEXT_NODE = 3;
    const ownText = Array.from(el.childNodes).some((n) => n.nodeType === TEXT_NODE && n.textContent?.trim());
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (ownText && size < 20) problems.push(`${describe(el)}: ${size}px text`);
  }
  for (const el of Array.from(
    document.querySelectorAll('button, a[href], input, select, textarea, [role="button"], label'),
  )) {
    if (!visible(el)) continue;
    // A checkbox counts by the row that toggles it (its label), not its drawn box.
    if (el.tagName === 'INPUT' && el.type === 'checkbox' && el.closest('label')) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 64 || box.height < 64)
      problems.push(`${describe(el)}: ${Math.round(box.width)}×${Math.round(box.height)}px target`);
  }
  return problems;
}

/** The hidden gesture: press and hold the title (three seconds) until the staff log-in shows. */
export async function holdTitle(page: Page): Promise<void> {
  const box = (await page.locator('.brand').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toBeVisible({ timeout: 15_000 });
  await page.mouse.up();
}

/** The demo staff account, by the hidden gesture and PIN. */
export async function logInAsStaff(page: Page): Promise<void> {
  await holdTitle(page);
  await page.getByRole('button', { name: 'Demo-personale' }).click();
  await keypad(page, '246810', 'Log ind');
  await expect(page.getByTestId('staff-banner')).toHaveText('Personaletilstand: Demo-personale');
}

/**
 * Staff void the one payment waiting in the queue ("Dagens betalinger"), giving a reason; the
 * screenshot `screen`, when given, is taken with the form filled in.
 */
export async function voidQueuedPayment(page: Page, reason: string, screen?: string): Promise<void> {
  await page.getByRole('button', { name: 'Dagens betalinger' }).click();
  const queued = page.locator('.desk-payment[data-state="approved"]');
  await expect(queued).toContainText('FBS i kø');
  await queued.getByRole('button', { name: 'Annuller (tilbagefør)' }).click();
  await queued.getByLabel('Begrundelse (hvad har du kontrolleret?)').fill(reason);
  if (screen) await checkScreen(page, screen);
  // While the outbox is sending the registration that very moment the desk says "press again in
  // a moment" (FBS is down here: the attempt ends at once), and staff press again.
  const voided = page.locator('.desk-payment[data-state="voided"]');
  await expect(async () => {
    if ((await voided.count()) === 0)
      await queued.locator('.desk-form').getByRole('button', { name: 'Annuller (tilbagefør)' }).click();
    await expect(voided).toContainText('FBS annulleret', { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
}
