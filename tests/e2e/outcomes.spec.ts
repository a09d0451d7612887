import { checkScreen, expect, keypad, startKiosk, test, wedgeScan } from './kiosk-fixture.js';
import type { Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function toClaims(page: Page, card: string, pin: string): Promise<void> {
  await wedgeScan(page, card);
  await keypad(page, pin, /^OK$/);
}

test('declined, then retry with the same claims: approved, charged once', async ({ page, kioskUnderTest }) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await toClaims(page, '1000000003', '3333');
  await expect(page.getByTestId('total')).toContainText('249,95 kr.');
  kiosk.terminal.simulator!.queueScenario('decline');
  await page.getByRole('button', { name: 'Betal 249,95 kr.' }).click();
  await expect(page.getByRole('heading', { name: 'Betalingen blev ikke gennemført' })).toBeVisible();
  await expect(page.getByText('Betalingen blev afvist.')).toBeVisible();
  await checkScreen(page, 'da-declined');
  await page.getByRole('button', { name: 'Prøv igen' }).click();
  await page.getByRole('button', { name: 'Betal 249,95 kr.' }).click();
  await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
  const approved = kiosk.core.journal.listByState(['approved', 'settled']);
  const declined = kiosk.core.journal.listByState(['declined']);
  expect(approved).toHaveLength(1);
  expect(declined).toHaveLength(1);
  // The debtor-route claim reaches the ØiR sandbox once; nothing for the declined attempt.
  expect(kiosk.terminal.simulator!.paymentsFor(declined[0]!.id)).toEqual([
    expect.objectContaining({ captured: false }),
  ]);
  await expect.poll(() => [...kiosk.oeir.sandbox!.ledger.values()].map((e) => e.paymentId)).toEqual([approved[0]!.id]);
});

test('the borrower cancels on the terminal: no money taken', async ({ page, kioskUnderTest }) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await toClaims(page, '1000000002', '2222');
  kiosk.terminal.simulator!.queueScenario('cancel');
  await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
  await expect(page.getByText('Betalingen blev annulleret. Der er ikke trukket penge.')).toBeVisible();
  expect(kiosk.core.journal.listByState(['approved', 'settled'])).toEqual([]);
});

test('a borrower with nothing to pay, in English', async ({ page, kioskUnderTest }) => {
  await kioskUnderTest.open(page);
  await page.getByRole('button', { name: 'English' }).click();
  await expect(page.getByRole('heading', { name: 'Pay the library' })).toBeVisible();
  await checkScreen(page, 'en-attract');
  await toClaims(page, '1000000001', '1111');
  await expect(page.getByRole('heading', { name: 'You owe nothing' })).toBeVisible();
  await checkScreen(page, 'en-nothing-to-pay');
  await page.getByRole('button', { name: 'Start over' }).click();
  await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();
});

test('FBS down: a clear message, nothing charged', async ({ page, kioskUnderTest }) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  kiosk.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100 } });
  await toClaims(page, '1000000002', '2222');
  await expect(page.getByTestId('error-message')).toHaveText(/Bibliotekets system svarer ikke/);
  await checkScreen(page, 'da-fbs-unavailable');
  expect(kiosk.core.journal.listByState(['created', 'authorizing', 'approved'])).toEqual([]);
});

test('terminal down: card payment unavailable before anything is charged', async ({ page, kioskUnderTest }) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await toClaims(page, '1000000002', '2222');
  await kiosk.terminal.simulator!.setReachable(false);
  await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
  await expect(page.getByTestId('error-message')).toHaveText(/Kortbetaling er ikke mulig/);
  expect(kiosk.core.journal.listByState(['created', 'authorizing', 'approved'])).toEqual([]);
});

test('disk full: the borrower is told before the terminal is asked, nothing charged', async ({ page }) => {
  // The journal on a real 8 MB tmpfs while the kiosk wants 20 MB free to take a payment
  // (tests/faults/disk-full.test.ts fills the disk for real and checks what is kept).
  const mountPoint = mkdtempSync(join(tmpdir(), 'kiosk-e2e-tmpfs-'));
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // not root, or not Linux: reported as skipped below
  }
  test.skip(!mounted, 'needs root to mount a tmpfs');
  const dataDir = join(mountPoint, 'kiosk');
  mkdirSync(dataDir);
  const running = await startKiosk({ storage: { minFreeMbToPay: 20 } }, dataDir);
  try {
    const { kiosk } = running;
    await running.open(page);
    await toClaims(page, '1000000002', '2222');
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByTestId('error-message')).toHaveText(
      'Automaten kan ikke tage imod betalinger lige nu. Der er ikke trukket penge. Kontakt personalet.',
    );
    await checkScreen(page, 'da-storage-full');
    expect(kiosk.terminal.simulator!.entries('Payment')).toEqual([]);
    expect(kiosk.core.journal.listByState(['created', 'authorizing', 'approved', 'settled'])).toEqual([]);

    await page.getByRole('button', { name: 'Start forfra' }).click();
    await page.getByRole('button', { name: 'English' }).click();
    await toClaims(page, '1000000002', '2222');
    await page.getByRole('button', { name: 'Pay 85,50 kr.' }).click();
    await expect(page.getByTestId('error-message')).toHaveText(
      'The machine cannot take payments right now. No money was taken. Please ask the staff.',
    );
    await checkScreen(page, 'en-storage-full');
  } finally {
    await running.stop();
    execFileSync('umount', [mountPoint]);
    rmdirSync(mountPoint);
  }
});

test('printer out of paper: the receipt is shown on screen', async ({ page, kioskUnderTest }) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  kiosk.printer.simulator!.setState({ paper: 'out' });
  await toClaims(page, '1000000004', '4444');
  await page.getByRole('button', { name: /^Betal [0-9]/u }).click();
  await expect(page.getByTestId('print-status')).toHaveText(/kunne ikke udskrives/, { timeout: 15_000 });
  await expect(page.getByTestId('receipt')).toContainText('Demobiblioteket');
  // The terminal's cardholder receipt with it, as the terminal gave it.
  await expect(page.getByTestId('card-receipt')).toContainText('Kortkvittering');
  await expect(page.getByTestId('card-receipt')).toContainText('CARDHOLDER COPY');
  await expect(page.getByTestId('card-receipt')).toContainText('************0005');
  await checkScreen(page, 'da-approved-receipt-on-screen');
});

for (const language of ['da', 'en'] as const) {
  test(`idle reset mid-flow, with a visible countdown (${language}); the next borrower gets Danish`, async ({
    page,
  }) => {
    // The countdown lasts long enough for the screenshot and the axe audit to see a still screen.
    const running = await startKiosk({ ui: { idleTimeoutMs: 1_000, idleWarningMs: 6_000 } });
    try {
      await running.open(page);
      if (language === 'en') await page.getByRole('button', { name: 'English' }).click();
      await wedgeScan(page, '1000000002');
      await expect(page.locator('.kiosk[data-screen="pin"]')).toBeVisible();
      await expect(page.getByTestId('idle-countdown')).toHaveText(
        language === 'da' ? /om \d sekunder/ : /in \d seconds/,
      );
      await checkScreen(page, `${language}-idle-warning`);
      await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible({ timeout: 15_000 });
      await expect(page.locator('html')).toHaveAttribute('lang', 'da');
    } finally {
      await running.stop();
    }
  });
}
