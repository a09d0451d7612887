import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScreen, expect, keypad, startKiosk, test, wedgeScan } from './kiosk-fixture.js';

/**
 * The borrower's screens as a borrower meets them, one test per defect found walking the kiosk
 * end to end (issue 25), each against the demo kiosk's sandboxes over real sockets.
 */

const STAFF_CARD = '9990001112';

async function toClaims(page: Page, card: string, pin: string): Promise<void> {
  await wedgeScan(page, card);
  await keypad(page, pin, /^OK$/);
  await expect(page.locator('.kiosk[data-screen="claims"]')).toBeVisible();
}

/** Counts every "Er du der stadig?" dialog that appears from now on. */
async function countIdleDialogs(page: Page): Promise<() => Promise<number>> {
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      idleDialogs: number;
      document: { body: unknown; querySelector(s: string): unknown };
      MutationObserver: new (cb: () => void) => { observe(node: unknown, options: object): void };
    };
    g.idleDialogs = 0;
    let shown = false;
    new g.MutationObserver(() => {
      const now = g.document.querySelector('[role="alertdialog"]') !== null;
      if (now && !shown) g.idleDialogs += 1;
      shown = now;
    }).observe(g.document.body, { subtree: true, childList: true });
  });
  return () => page.evaluate(() => (globalThis as unknown as { idleDialogs: number }).idleDialogs);
}

test('typing the card number: "Start forfra" leaves it, and left alone it returns to the start in Danish', async ({
  page,
}) => {
  const running = await startKiosk({ ui: { idleTimeoutMs: 3_000, idleWarningMs: 2_000 } });
  try {
    await running.open(page);
    // English chosen, no card: back to Danish by itself.
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.locator('html')).toHaveAttribute('lang', 'da', { timeout: 20_000 });

    // The keypad has a way out…
    await page.getByRole('button', { name: 'Indtast kortnummer' }).click();
    await expect(page.getByRole('heading', { name: 'Indtast dit kortnummer' })).toBeVisible();
    await page.getByRole('button', { name: 'Start forfra' }).click();
    await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();

    // …and, left in English with digits typed, it counts down and starts over in Danish.
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Type card number' }).click();
    await keypad(page, '1000');
    await expect(page.getByTestId('keypad-display')).toHaveText('1000');
    await expect(page.getByTestId('idle-countdown')).toBeVisible({ timeout: 20_000 });
    await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible({ timeout: 20_000 });
    await expect(page.locator('html')).toHaveAttribute('lang', 'da');
    await expect(page.getByRole('button', { name: 'Indtast kortnummer' })).toBeVisible();
  } finally {
    await running.stop();
  }
});

test('a staff card scanned during a payment leaves the payment on screen; after it, the card logs in', async ({
  page,
}) => {
  const running = await startKiosk();
  try {
    running.kiosk.staff.enrolCard('personale', STAFF_CARD, 'technician:tekniker');
    await running.open(page);
    await toClaims(page, '1000000002', '2222');
    running.kiosk.terminal.simulator!.queueScenario('wait-for-pin');
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByTestId('terminal-step')).toHaveText('Indtast din pinkode på terminalen');

    await wedgeScan(page, STAFF_CARD);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Betal på terminalen' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toHaveCount(0);
    expect(running.kiosk.staffConsole.current()).toEqual({ mode: 'off' });

    await page.getByRole('button', { name: 'Annuller betaling' }).click();
    await expect(page.getByText('Betalingen blev annulleret. Der er ikke trukket penge.')).toBeVisible({
      timeout: 15_000,
    });
    await page.getByRole('button', { name: 'Start forfra' }).click();
    await wedgeScan(page, STAFF_CARD);
    await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toBeVisible();
  } finally {
    await running.stop();
  }
});

test('PIN: one check per OK, a warning before the card locks, an unknown card said so', async ({ page }) => {
  const running = await startKiosk();
  const checks = () => running.kiosk.sandboxes.fbs!.exchanges.filter((e) => e.operation === 'authenticateV9').length;
  try {
    await running.open(page);
    await page.getByRole('button', { name: 'Indtast kortnummer' }).click();
    await keypad(page, '1000000003', 'Fortsæt');
    await expect(page.getByText('Kortnummer indtastet.')).toBeVisible();
    await expect(page.getByText('Pinkoden har 4 cifre.')).toBeVisible();

    // Mashing: eight digits (four are taken), then OK pressed three times in one go.
    const before = checks();
    await keypad(page, '98989898');
    await expect(page.getByTestId('keypad-display')).toHaveText('••••');
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { click(): void } } }).document;
      const ok = doc.querySelector('.keypad button.primary');
      ok.click();
      ok.click();
      ok.click();
    });
    await expect(page.getByTestId('pin-warning')).toHaveText('Forkert pinkode. Prøv igen.');
    expect(checks()).toBe(before + 1);

    await keypad(page, '9999', /^OK$/);
    await expect(page.getByTestId('pin-warning')).toHaveText('Forkert pinkode. Prøv igen.');
    await keypad(page, '9999', /^OK$/);
    await expect(page.getByTestId('pin-warning')).toHaveText(
      'Forkert pinkode. Du har højst 2 forsøg tilbage. Derefter spærres kortet.',
    );
    await keypad(page, '9999', /^OK$/);
    await expect(page.getByTestId('pin-warning')).toHaveText(
      'Forkert pinkode. Du har højst 1 forsøg tilbage. Derefter spærres kortet.',
    );
    await checkScreen(page, 'da-pin-last-try');
    expect(checks()).toBe(before + 4);

    // A card FBS does not know: said so, not "wrong PIN".
    await page.getByRole('button', { name: 'Start forfra' }).click();
    await page.getByRole('button', { name: 'Indtast kortnummer' }).click();
    await keypad(page, '1000000099', 'Fortsæt');
    await keypad(page, '1234', /^OK$/);
    await expect(page.getByTestId('error-message')).toHaveText(
      'Vi kan ikke finde kortet. Tjek nummeret, eller spørg personalet.',
    );
    await checkScreen(page, 'da-unknown-card');
  } finally {
    await running.stop();
  }
});

test('a scan too slow to be sure of is answered "not read", not dropped', async ({ page }) => {
  const running = await startKiosk({ scanner: { wedge: { maxInterKeyMs: 100 } } });
  try {
    await running.open(page);
    await expect(page.locator('html[data-wedge="listening"]')).toHaveCount(1);
    // Key events whose moments (timeStamp, what the detector reads) are 300 ms apart, ended by Enter.
    await page.evaluate(
      (keys) => {
        const g = globalThis as unknown as {
          document: { body: { dispatchEvent(e: unknown): boolean } };
          KeyboardEvent: new (type: string, init: object) => object;
        };
        keys.forEach((key, i) => {
          const event = new g.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true });
          Object.defineProperty(event, 'timeStamp', { value: 1_000_000 + i * 300 });
          g.document.body.dispatchEvent(event);
        });
      },
      [...'1000000002', 'Enter'],
    );
    await expect(page.getByTestId('scan-misread')).toHaveText('Kortet blev ikke læst. Prøv igen.');
    await checkScreen(page, 'da-scan-misread');
    expect(running.kiosk.session.current().view.screen).toBe('attract');
    // The same card at a scanner's pace is read.
    await wedgeScan(page, '1000000002');
    await expect(page.getByText('Lånerkort scannet.')).toBeVisible();
  } finally {
    await running.stop();
  }
});

test('approved: what was paid, how, the receipt; then back to the start by itself, never "Er du der stadig?"', async ({
  page,
}) => {
  const running = await startKiosk({ ui: { idleTimeoutMs: 4_000, idleWarningMs: 1_000, approvedReturnMs: 8_000 } });
  try {
    await running.open(page);
    await toClaims(page, '1000000002', '2222');
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    const dialogs = await countIdleDialogs(page);
    await expect(page.getByTestId('paid-lines')).toContainText('Overskredet lånetid30,00 kr.');
    await expect(page.getByTestId('paid-total')).toHaveText('I alt85,50 kr.');
    await expect(page.getByTestId('paid-with')).toContainText(
      /^Betalt med visadankort \*\*\*\* \d{4} · Reference: \S+/u,
    );
    await expect(page.getByTestId('print-status')).toHaveText('Tag din kvittering.', { timeout: 10_000 });
    await expect(page.getByTestId('approved-countdown')).toContainText('Skærmen starter forfra om');
    await expect(page.getByRole('button', { name: 'Start forfra' })).toHaveCount(0);
    await checkScreen(page, 'da-approved-countdown');
    await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible({ timeout: 30_000 });
    expect(await dialogs()).toBe(0);
  } finally {
    await running.stop();
  }
});

test('English: the kiosk’s words translated, the library’s own text kept and marked; the terminal step once', async ({
  page,
}) => {
  const running = await startKiosk();
  try {
    await running.open(page);
    await page.getByRole('button', { name: 'English' }).click();
    await toClaims(page, '1000000002', '2222');
    await expect(page.getByText("The descriptions are the library's own text, in Danish.")).toBeVisible();
    const first = page.locator('li[data-claim]').first();
    await expect(first.locator('.reason [lang="da"]')).toHaveText('Overskredet lånetid');
    await expect(first.locator('.material')).toHaveText('Bog no. 3846990948');
    await expect(first.locator('.material')).toHaveAttribute('lang', 'da');
    await expect(page.getByRole('heading', { name: 'Paid to the library' })).toBeVisible();
    running.kiosk.terminal.simulator!.queueScenario('wait-for-pin');
    await page.getByRole('button', { name: 'Pay 85,50 kr.' }).click();
    await expect(page.getByTestId('terminal-step')).toHaveText('Enter your PIN on the terminal');
    // The terminal's own (Danish) display text is not repeated as a second message.
    await expect(page.locator('.terminal-text')).toHaveCount(0);
    await expect(page.getByRole('img', { name: 'A card terminal with a card held against it' })).toBeVisible();
    await checkScreen(page, 'en-paying-pin');
    await page.getByRole('button', { name: 'Cancel payment' }).click();
    await expect(page.getByText('The payment was cancelled. No money was taken.')).toBeVisible({ timeout: 15_000 });
  } finally {
    await running.stop();
  }
});

test('larger text and high contrast on every borrower screen, undone for the next borrower', async ({ page }) => {
  const running = await startKiosk();
  try {
    await running.open(page);
    const rootSize = () =>
      page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { documentElement: unknown };
          getComputedStyle(e: unknown): { fontSize: string };
        };
        return parseFloat(g.getComputedStyle(g.document.documentElement).fontSize);
      });
    const normal = await rootSize();
    await page.getByRole('button', { name: 'Større tekst' }).click();
    await expect.poll(rootSize).toBeCloseTo(normal * 1.25, 1);
    await page.getByRole('button', { name: 'Høj kontrast' }).click();
    await expect(page.getByRole('button', { name: 'Høj kontrast' })).toHaveAttribute('aria-pressed', 'true');
    await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(255, 255, 255)');
    await toClaims(page, '1000000002', '2222');
    await expect.poll(rootSize).toBeCloseTo(normal * 1.25, 1);
    await checkScreen(page, 'da-claims-large-contrast');
    await page.getByRole('button', { name: 'Start forfra' }).click();
    await expect.poll(rootSize).toBeCloseTo(normal, 1);
    await expect(page.getByRole('button', { name: 'Høj kontrast' })).toHaveAttribute('aria-pressed', 'false');
  } finally {
    await running.stop();
  }
});

test('the library’s own look: its name, logo and colour from the configuration', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-brand-'));
  const logo = join(dir, 'logo.svg');
  writeFileSync(
    logo,
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" fill="#6b1d4f"/></svg>',
  );
  const running = await startKiosk({
    library: { name: 'Vejle Bibliotekerne', accentColour: '#6b1d4f', logoFile: logo },
  });
  try {
    await running.open(page);
    await expect(page.locator('.brand')).toHaveText('Vejle Bibliotekerne');
    await expect(page.locator('.brand img.logo')).toBeVisible();
    await toClaims(page, '1000000002', '2222');
    await expect(page.getByRole('button', { name: 'Betal 85,50 kr.' })).toHaveCSS(
      'background-color',
      'rgb(107, 29, 79)',
    );
    await checkScreen(page, 'da-brand-claims');
  } finally {
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
