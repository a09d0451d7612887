import { expect, test, type Page } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

// The wedge detector, bundled as it is for the renderer, in a page with fields to type into.
// Key events come from Playwright's keyboard (Chromium's input pipeline, trusted events), at a
// scanner's pace and at a person's.

let detectorScript = '';

test.beforeAll(async () => {
  const output = await build({
    configFile: false,
    logLevel: 'error',
    build: {
      write: false,
      minify: false,
      lib: {
        entry: fileURLToPath(new URL('./support/wedge-page.ts', import.meta.url)),
        formats: ['iife'],
        name: 'wedgePage',
      },
    },
  });
  const outputs = Array.isArray(output) ? output : [output];
  const chunk = outputs.flatMap((o) => ('output' in o ? o.output : [])).find((o) => o.type === 'chunk');
  if (!chunk || chunk.type !== 'chunk') throw new Error('no bundle');
  detectorScript = chunk.code;
});

// Scanners send keys 1-20 ms apart and people 80 ms or more. The detector runs on the page's
// test clock: each key is a real key press, and the time between keys is set here (`advance`),
// so a busy machine cannot turn a scan into typing or typing into a scan.
const SCANNER_GAP_MS = 3;
const HUMAN_GAP_MS = 200;

async function openPage(page: Page, overrides: object = {}): Promise<void> {
  await page.setContent(`<!doctype html><html><body>
    <label>Navn <input id="name" type="text"></label>
    <textarea id="note"></textarea>
    <button id="button">Knap</button>
    <p id="keys"></p>
  </body></html>`);
  await page.addScriptTag({ content: detectorScript });
  await page.evaluate((o) => (globalThis as unknown as { startWedge(o: object): void }).startWedge(o), overrides);
}

const scans = (page: Page) => page.evaluate(() => (globalThis as unknown as { scans: string[] }).scans);
const advance = (page: Page, ms: number) =>
  page.evaluate((n) => (globalThis as unknown as { advance(ms: number): void }).advance(n), ms);

/** Presses each key, then lets `gapMs` pass on the detector's clock. */
async function typeAt(page: Page, keys: readonly string[], gapMs: number): Promise<void> {
  for (const key of keys) {
    await page.keyboard.press(key);
    await advance(page, gapMs);
  }
}

/** A scanner: characters 3 ms apart, then Enter. */
const scan = (page: Page, code: string) => typeAt(page, [...code, 'Enter'], SCANNER_GAP_MS);
/** A person: 200 ms between keys. */
const typeAsPerson = (page: Page, text: string) => typeAt(page, [...text], HUMAN_GAP_MS);

test('a scan with no field focused is caught', async ({ page }) => {
  await openPage(page);
  await scan(page, '1234567890');
  await expect.poll(() => scans(page)).toEqual(['1234567890']);
});

test('a scan while a field has the focus is caught and not typed into the field', async ({ page }) => {
  await openPage(page);
  await page.click('#name');
  await typeAsPerson(page, 'Anna');
  await scan(page, '3112009999');
  await expect.poll(() => scans(page)).toEqual(['3112009999']);
  await expect(page.locator('#name')).toHaveValue('Anna');
  await typeAsPerson(page, ' B');
  await expect(page.locator('#name')).toHaveValue('Anna B');
  await page.screenshot({ path: 'test-results/screens/wedge-field.png' });
});

test('a person typing at human speed reaches the field in full and in order, Enter included', async ({ page }) => {
  await openPage(page);
  await page.click('#note');
  await typeAt(page, [...'1234567', 'Enter', 'a', 'b'], HUMAN_GAP_MS);
  await expect(page.locator('#note')).toHaveValue('1234567\nab');
  expect(await scans(page)).toEqual([]);
});

test('a fast but short burst is typing, not a scan', async ({ page }) => {
  await openPage(page);
  await page.click('#name');
  await typeAt(page, ['a', 'b', 'c', 'Enter'], SCANNER_GAP_MS);
  await expect(page.locator('#name')).toHaveValue('abc');
  expect(await scans(page)).toEqual([]);
});

test('page key handlers still see a person’s keys, and Backspace works in a field', async ({ page }) => {
  await openPage(page);
  await typeAsPerson(page, '42');
  await expect(page.locator('#keys')).toHaveText('42');
  await page.click('#name');
  await typeAt(page, ['x', 'y', 'Backspace'], HUMAN_GAP_MS);
  await expect(page.locator('#name')).toHaveValue('x');
});

test('two scans in a row, capitals and letters included', async ({ page }) => {
  await openPage(page);
  await scan(page, 'AB12345');
  await scan(page, '7654321');
  await expect.poll(() => scans(page)).toEqual(['AB12345', '7654321']);
});

const misreads = (page: Page) => page.evaluate(() => (globalThis as unknown as { misreads: number }).misreads);

test('a scanner slowed by a busy machine (54 ms gaps) is still read with the default settings', async ({ page }) => {
  // The case: one key gap of 54 ms refused against the old 50 ms threshold.
  await openPage(page);
  await typeAt(page, [...'1000000002', 'Enter'], 54);
  await expect.poll(() => scans(page)).toEqual(['1000000002']);
  expect(await misreads(page)).toBe(0);
});

test('a burst too slow for a scan, ended by Enter where nothing takes typing, is reported as not read', async ({
  page,
}) => {
  await openPage(page);
  await typeAt(page, [...'1000000002', 'Enter'], 150);
  expect(await scans(page)).toEqual([]);
  await expect.poll(() => misreads(page)).toBe(1);
  // A person typing into a field and pressing Enter is no misread.
  await page.click('#name');
  await typeAt(page, [...'1000000002', 'Enter'], HUMAN_GAP_MS);
  await expect(page.locator('#name')).toHaveValue('1000000002');
  expect(await misreads(page)).toBe(1);
  // Nor is a short burst.
  await page.click('#button');
  await typeAt(page, [...'12', 'Enter'], 150);
  expect(await misreads(page)).toBe(1);
});

test('with no suffix key configured, a burst ended by silence is a scan', async ({ page }) => {
  await openPage(page, { suffixKey: null });
  await page.click('#name');
  await typeAt(page, [...'1234567'], SCANNER_GAP_MS);
  await advance(page, 150); // the scanner falls silent
  await expect.poll(() => scans(page)).toEqual(['1234567']);
  await expect(page.locator('#name')).toHaveValue('');
});
