import { formatDkk } from '../../contract/index.js';
import { QR_LIFETIME_MS } from '../../integrations/mobilepay/wire.js';
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
 * The borrower pays with MobilePay in the demo: the QR on the screen, the phone played by the
 * ePayment sandbox (the demo's buttons), the money captured once and registered once — FBS-route
 * and debtor-route claims alike; declined in the app, cancelled on the screen, and a QR left to
 * expire take nothing.
 */
test('MobilePay: pay FBS- and debtor-route claims by QR; declined in the app, cancelled on the screen, expired; MobilePay down before and after the approval; staff void refunds; a registered payment refunded; the day by method', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const running = await startKiosk({ mobilepay: { pollIntervalMs: 200 } });
  const { kiosk } = running;
  const sandbox = kiosk.sandboxes.mobilepay!;
  const captured = () => [...sandbox.payments.values()].filter((p) => p.capturedOre > 0);
  try {
    await running.open(page);

    // FBS-route claims: the QR, approved in the app, captured, registered in FBS.
    await wedgeScan(page, '1000000002');
    await keypad(page, '2222', /^OK$/);
    await expect(page.getByRole('button', { name: 'Betal med MobilePay' })).toBeVisible();
    await checkScreen(page, 'da-mobilepay-claims');
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText('Åbn MobilePay og scan koden')).toBeVisible();
    await expect(page.getByTestId('qr-countdown')).toContainText(/Koden udløber om [89]:\d\d|Koden udløber om 10:00/u);
    await checkScreen(page, 'da-mobilepay-qr');
    // The same screen in English (the borrower's choice), then back.
    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.getByText('Open MobilePay and scan the code')).toBeVisible();
    await expect(page.getByTestId('qr-countdown')).toContainText('The code expires in');
    await checkScreen(page, 'en-mobilepay-qr');
    await page.getByRole('button', { name: 'Dansk' }).click();
    await page.getByRole('button', { name: 'Demo: godkend i appen' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await expect.poll(() => kiosk.sandboxes.fbs!.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);
    expect(captured().map((p) => p.capturedOre)).toEqual([8550]);
    await page.getByRole('button', { name: 'Færdig' }).click();

    // Declined in the app: nothing taken, the borrower may try again.
    await wedgeScan(page, '1000000003');
    await keypad(page, '3333', /^OK$/);
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Demo: afvis i appen' }).click();
    await expect(page.getByText('Betalingen blev annulleret.')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Prøv igen' }).click();

    // Cancelled on the screen: the payment is cancelled at MobilePay.
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Annuller betaling' }).click();
    await expect(page.getByText('Betalingen blev annulleret.')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Prøv igen' }).click();

    // Left until the QR expired (the sandbox's clock moved): cancelled, nothing taken.
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    sandbox.advanceClock(QR_LIFETIME_MS + 1_000);
    await expect(page.getByText('Koden udløb, før betalingen blev godkendt.')).toBeVisible({ timeout: 30_000 });
    await checkScreen(page, 'da-mobilepay-expired');
    await page.getByRole('button', { name: 'Prøv igen' }).click();

    // The debtor-route claim paid with MobilePay: registered in ØiR, once.
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Demo: godkend i appen' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await checkScreen(page, 'da-mobilepay-approved');
    expect(
      captured()
        .map((p) => p.capturedOre)
        .sort((a, b) => a - b),
    ).toEqual([8550, 24995]);
    await expect
      .poll(() => kiosk.core.journal.listByState(['settled']).filter((p) => p.method === 'mobilepay').length, {
        timeout: 20_000,
      })
      .toBe(2);
    await page.getByRole('button', { name: 'Færdig' }).click();

    // MobilePay down before anything is made: the borrower is told, nothing is created.
    sandbox.setFaults({ pathIncludes: '/accesstoken/get', status: { code: 503, times: 1_000 } });
    sandbox.expireTokens();
    await wedgeScan(page, '1000000004');
    await keypad(page, '4444', /^OK$/);
    const before = sandbox.payments.size;
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('error-message')).toHaveText(
      'MobilePay kan ikke bruges lige nu. Betal med kort, eller spørg personalet.',
      { timeout: 15_000 },
    );
    await checkScreen(page, 'da-mobilepay-unavailable');
    expect(sandbox.payments.size).toBe(before);
    sandbox.setFaults({});

    // Down after the borrower approved: the capture's answers fail, the kiosk looks the payment
    // up and captures it once MobilePay answers again — approved, captured once.
    await page.getByRole('button', { name: 'Start forfra' }).click();
    await wedgeScan(page, '1000000004');
    await keypad(page, '4444', /^OK$/);
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    sandbox.setFaults({ pathIncludes: '/capture', status: { code: 503, times: 3 } });
    await page.getByRole('button', { name: 'Demo: godkend i appen' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 30_000 });
    const last = [...sandbox.payments.values()].at(-1)!;
    expect(last.events.filter((e) => e.name === 'CAPTURED')).toHaveLength(1);
    await page.getByRole('button', { name: 'Færdig' }).click();

    // Paid while FBS refuses registrations, then voided by staff: the money goes back (a refund).
    kiosk.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
    await wedgeScan(page, '1000000007');
    await keypad(page, '7777', /^OK$/);
    await page.getByRole('button', { name: 'Betal med MobilePay' }).click();
    await expect(page.getByTestId('mobilepay-qr')).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Demo: godkend i appen' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Færdig' }).click();
    await logInAsStaff(page);
    await voidQueuedPayment(page, 'Låneren fortrød');
    const refunded = [...sandbox.payments.values()].at(-1)!;
    expect(refunded).toMatchObject({ amountOre: 1000, capturedOre: 1000, refundedOre: 1000 });
    kiosk.sandboxes.fbs!.setFaults({});

    // Registered already, so no void: the first payment is refunded (the borrower found the
    // book), once at MobilePay; its claims stay paid in FBS until staff reopen them and say so.
    const first = page.locator('.desk-payment[data-state="settled"]', { hasText: formatDkk(8550) });
    await expect(first.getByRole('button', { name: 'Annuller (tilbagefør)' })).toHaveCount(0);
    await first.getByRole('button', { name: 'Tilbagebetal' }).click();
    await expect(first.getByText(/ret den dér bagefter/u)).toBeVisible();
    await first.getByLabel('Begrundelse (hvad har du kontrolleret?)').fill('Låneren fandt bogen');
    await checkScreen(page, 'da-staff-refund-form');
    await first.locator('.desk-form').getByRole('button', { name: 'Tilbagebetal' }).click();
    await expect(first.getByTestId('refund-state')).toContainText('85,50 kr. er betalt tilbage');
    await expect(first.getByTestId('refund-state')).toContainText('Ret betalingen i FBS');
    await expect
      .poll(() => kiosk.printer.simulator!.receipts().at(-1)?.join('\n') ?? '')
      .toMatch(/Tilbagebetaling[\s\S]*Tilbagebetalt\s+-85,50 kr\./u);
    const refundedFirst = [...sandbox.payments.values()].find((p) => p.amountOre === 8550)!;
    expect(refundedFirst).toMatchObject({ capturedOre: 8550, refundedOre: 8550 });
    await expect(first.getByRole('button', { name: 'Tilbagebetal' })).toHaveCount(0);
    await checkScreen(page, 'da-staff-refunded');
    kiosk.sandboxes.fbs!.reopenFee('5001');
    kiosk.sandboxes.fbs!.reopenFee('5002');
    await first.getByRole('button', { name: 'Rettet i FBS/ØiR' }).click();
    await first.getByLabel('Begrundelse (hvad har du kontrolleret?)').fill('FBS: gebyr 5001 og 5002 genåbnet');
    await first.locator('.desk-form').getByRole('button', { name: 'Rettet i FBS/ØiR' }).click();
    await expect(first.getByTestId('refund-state')).toContainText('betalingen er rettet i FBS/ØiR');

    // The day report keeps card and MobilePay apart, net of the refund.
    await page.getByRole('button', { name: 'Dagsopgørelse' }).click();
    await expect(page.getByTestId('refunded')).toHaveText(formatDkk(-8550));
    await expect(page.getByTestId('refunds')).toContainText('MobilePay');
    await expect(page.getByTestId('by-mobilepay')).toHaveText(formatDkk(24995 + last.capturedOre));
    await expect(page.getByTestId('by-card')).toHaveText(formatDkk(0));
    await checkScreen(page, 'da-mobilepay-report');
  } finally {
    await running.stop();
  }
});
