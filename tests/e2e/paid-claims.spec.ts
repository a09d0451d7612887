import type { Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScreen, everySize, expect, keypad, startKiosk, test, wedgeScan } from './kiosk-fixture.js';

/**
 * The journal decides what the kiosk was already paid for: a borrower whose payment's
 * registration waits (the municipality's system is down) scans again — at once, and after the
 * kiosk restarts — and sees the claim as paid; it cannot be chosen, and nothing is charged twice.
 */
async function toClaims(page: Page, card: string, pin: string): Promise<void> {
  await wedgeScan(page, card);
  await keypad(page, pin, /^OK$/);
  await expect(page.locator('.kiosk[data-screen="claims"]')).toBeVisible();
}

test('paid while the municipality’s system is down: shown as paid, cannot be chosen, also after a restart', async ({
  page,
}) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-e2e-paid-'));
  let running = await startKiosk({}, dataDir);
  try {
    await running.open(page);
    // The debtor system confirms the claim is open when the list is shown, then goes down.
    await toClaims(page, '1000000003', '3333');
    await expect(page.getByTestId('total')).toContainText('249,95 kr.');
    running.kiosk.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    await page.getByRole('button', { name: 'Betal 249,95 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({
      timeout: 15_000,
    });
    await expect(page.getByTestId('queued')).toBeVisible({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Færdig' }).click();

    // The same borrower again: FBS still lists the claim; the kiosk knows it was paid.
    await toClaims(page, '1000000003', '3333');
    const claim = page.locator('li[data-claim="6001"]');
    await expect(claim).toHaveAttribute('data-note', 'paid');
    await expect(claim.getByTestId('claim-note')).toHaveText('Betalt her. Bliver registreret.');
    await expect(claim.getByRole('checkbox')).toHaveCount(0);
    await expect(page.getByTestId('total')).toContainText('0,00 kr.');
    await expect(page.getByRole('button', { name: /^Betal [0-9]/u })).toBeDisabled();
    await expect(page.getByText('Der er ikke noget, du kan betale her lige nu.')).toBeVisible();
    await everySize(page, 'da-claims-paid-registering');
    await page.getByRole('button', { name: 'English' }).click();
    await expect(claim.getByTestId('claim-note')).toHaveText('Paid here. Being registered.');
    await everySize(page, 'en-claims-paid-registering');

    // Restarted (a power cut, say) on the same journal, the municipality's system still down.
    await running.browserMode.close(); // stops its core as well
    running = await startKiosk({}, dataDir);
    running.kiosk.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    await running.open(page);
    await toClaims(page, '1000000003', '3333');
    await expect(page.locator('li[data-claim="6001"]')).toHaveAttribute('data-note', 'paid');
    await expect(page.getByRole('button', { name: /^Betal [0-9]/u })).toBeDisabled();

    // One charge in all, and it is still waiting to be registered.
    const payments = running.kiosk.core.journal.listByState(['approved', 'settled']);
    expect(payments).toHaveLength(1);
    // Queued, or out on a retry that ØiR refuses (never delivered).
    const waiting = running.kiosk.core.outbox.counts();
    expect({ waiting: waiting.pending + waiting.sending, delivered: waiting.delivered }).toEqual({
      waiting: 1,
      delivered: 0,
    });
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the municipality’s system cannot confirm a claim: not payable here now, the rest can be paid', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  kiosk.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
  await toClaims(page, '1000000004', '4444');
  const debtor = page.locator('li[data-claim="7002"]');
  await expect(debtor).toHaveAttribute('data-note', 'not-payable-now');
  await expect(debtor.getByRole('checkbox')).toHaveCount(0);
  await expect(page.locator('li[data-claim="7001"]').getByRole('checkbox')).toBeChecked();
  await checkScreen(page, 'da-claims-not-payable-now');
  await page.getByRole('button', { name: /^Betal [0-9]/u }).click();
  await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
  const [paid] = kiosk.core.journal.listByState(['approved', 'settled']);
  expect(paid!.lines.map((l) => l.feeId)).not.toContain('7002');
});
