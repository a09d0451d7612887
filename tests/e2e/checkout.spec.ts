import { expect, keypad, screenshot, test, wedgeScan } from './kiosk-fixture.js';

test('happy path: wedge scan → PIN → claims → pay → receipt; the FBS sandbox registers both claims', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await screenshot(page, 'da-attract');

  await wedgeScan(page, '1000000002');
  await expect(page.getByRole('heading', { name: 'Indtast din pinkode' })).toBeVisible();
  await keypad(page, '22');
  await expect(page.getByTestId('keypad-display')).toHaveText('••');
  await screenshot(page, 'da-pin');
  await keypad(page, '22', /^OK$/);

  await expect(page.getByRole('heading', { name: 'Det skylder du' })).toBeVisible();
  await expect(page.getByTestId('total')).toContainText('85,50 kr.');
  await screenshot(page, 'da-claims');

  await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
  await expect(page.getByTestId('terminal-step')).toHaveText(/terminalen/);
  await screenshot(page, 'da-paying');

  await expect(page.getByRole('heading', { name: 'Tak! Betalingen er gennemført' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('print-status')).toHaveText('Tag din kvittering.', { timeout: 10_000 });
  await screenshot(page, 'da-approved');

  // Exactly one charge at the terminal, one receipt, and both claims registered once in FBS.
  const [payment] = kiosk.core.journal.listByState(['approved', 'settled']);
  expect(payment).toBeDefined();
  expect(kiosk.terminal.simulator!.paymentsFor(payment!.id)).toEqual([expect.objectContaining({ captured: true })]);
  expect(kiosk.printer.simulator!.receipts()).toHaveLength(1);
  expect(kiosk.printer.simulator!.receipts()[0]!.join('\n')).toContain(payment!.id);
  await expect.poll(() => kiosk.sandboxes.fbs!.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);

  await page.getByRole('button', { name: 'Færdig' }).click();
  await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();
});
