import { formatDkk } from '../../contract/index.js';
import {
  checkScreen,
  expect,
  keypad,
  logInAsStaff,
  startKiosk,
  test,
  voidQueuedPayment,
  wedgeScan,
} from './kiosk-fixture.js';

/**
 * The borrower's journeys with a Nets terminal: the kiosk in demo mode with the Nets Connect@Cloud
 * driver against its simulator (HTTPS, token log-in, the held purchase call, look-up), the screen
 * in Chromium. Approved (with Nets' customer receipt), declined, cancelled on the terminal, and a
 * lost answer recovered by looking it up — each charged at most once in the simulator's ledger.
 */
test('Nets: approve with the customer receipt, decline, cancel on the terminal, a lost answer recovered by look-up, staff void, the day closed at the terminal', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const running = await startKiosk({ terminal: { driver: 'nets-cloud-simulator', simulatorStepMs: 150 } });
  const { kiosk } = running;
  const nets = kiosk.terminal.netsSimulator!;
  try {
    await running.open(page);

    // Declined by the card issuer: nothing charged, the borrower may try again.
    nets.queueScenario('decline');
    await wedgeScan(page, '1000000002');
    await keypad(page, '2222', /^OK$/);
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByText('Betalingen blev afvist.')).toBeVisible({ timeout: 15_000 });
    await checkScreen(page, 'da-nets-declined');
    await page.getByRole('button', { name: 'Prøv igen' }).click();

    // Cancelled on the terminal.
    nets.queueScenario('cancel');
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByText('Betalingen blev annulleret.')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Prøv igen' }).click();
    expect(nets.ledger.filter((e) => e.captured)).toEqual([]);

    // Approved: paid once, registered in FBS, Nets' customer receipt printed with the kiosk's.
    await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId('print-status')).toHaveText('Tag din kvittering.', { timeout: 10_000 });
    await checkScreen(page, 'da-nets-approved');
    const paper = kiosk.printer.simulator!.receipts()[0]!.join('\n');
    expect(paper).toContain('Kortkvittering');
    expect(paper).toContain('GODKENDT');
    expect(paper).toMatch(/DKK +85,50/u);
    await expect.poll(() => kiosk.sandboxes.fbs!.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);
    await page.getByRole('button', { name: 'Færdig' }).click();
    await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();

    // The answer lost on the way back: the kiosk looks the purchase up and never buys twice.
    nets.queueScenario('drop');
    await wedgeScan(page, '1000000004');
    await keypad(page, '4444', /^OK$/);
    await page.getByRole('button', { name: /^Betal [0-9]/u }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 30_000 });
    const captured = nets.ledger.filter((e) => e.captured);
    expect(captured).toHaveLength(2);
    expect(new Set(captured.map((e) => e.orderId)).size).toBe(2);
    await page.getByRole('button', { name: 'Færdig' }).click();

    // Paid while FBS refuses registrations: the payment waits in the queue, and staff void it —
    // Connect@Cloud voids the terminal's last transaction, which this one is.
    kiosk.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
    await wedgeScan(page, '1000000007');
    await keypad(page, '7777', /^OK$/);
    await page.getByRole('button', { name: 'Betal 10,00 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Færdig' }).click();

    await logInAsStaff(page);
    await voidQueuedPayment(page, 'Låneren fortrød');
    await checkScreen(page, 'da-nets-voided');
    expect(nets.ledger.filter((e) => e.amountOre === 1000)).toEqual([
      expect.objectContaining({ captured: false, voided: true }),
    ]);
    kiosk.sandboxes.fbs!.setFaults({});

    // Staff close the terminal's day from the day report: Nets' printout beside the kiosk's totals.
    await page.getByRole('button', { name: 'Dagsopgørelse' }).click();
    await page.getByRole('button', { name: 'Afstem terminalen (dagsafslutning)' }).click();
    const closed = page.getByTestId('terminal-reconciliation');
    await expect(closed).toContainText('Antal køb: 2');
    const capturedOre = nets.ledger.filter((e) => e.captured).reduce((sum, e) => sum + e.amountOre, 0);
    await expect(closed).toContainText(
      `Automatens kortbetalinger denne dag ved afstemningen: 2 stk., ${formatDkk(capturedOre)}`,
    );
    await expect(page.getByTestId('voided')).toHaveText(formatDkk(-1000));
    await expect(page.getByTestId('balanced')).toBeVisible();
    await checkScreen(page, 'da-nets-reconciliation');
  } finally {
    await running.stop();
  }
});
