import { PtyPair } from '../support/pty-pair.js';
import { checkScreen, expect, keypad, startKiosk, test, wedgeScan } from './kiosk-fixture.js';

test('happy path: wedge scan → PIN → claims → pay → receipt; the FBS sandbox registers both claims', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await checkScreen(page, 'da-attract');

  await wedgeScan(page, '1000000002');
  await expect(page.getByRole('heading', { name: 'Indtast din pinkode' })).toBeVisible();
  await keypad(page, '22');
  await expect(page.getByTestId('keypad-display')).toHaveText('••');
  await checkScreen(page, 'da-pin');
  await keypad(page, '22', /^OK$/);

  await expect(page.getByRole('heading', { name: 'Det skylder du' })).toBeVisible();
  await expect(page.getByTestId('total')).toContainText('85,50 kr.');
  await checkScreen(page, 'da-claims');

  await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
  await expect(page.getByTestId('terminal-step')).toHaveText(/terminalen/);
  await checkScreen(page, 'da-paying');

  await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('print-status')).toHaveText('Tag din kvittering.', { timeout: 10_000 });
  await checkScreen(page, 'da-approved');

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

test('serial scanner (a pty pair) → PIN → unplugged mid-session → mixed claims → pay: FBS and ØiR sandboxes each register their share once; replugged, the next card is read', async ({
  page,
}) => {
  const pty = new PtyPair();
  await pty.plug();
  const running = await startKiosk({
    scanner: { serial: [{ path: pty.devicePath }], wedge: { maxInterKeyMs: 500 } },
  });
  const { kiosk } = running;
  try {
    await running.open(page);
    await expect.poll(() => kiosk.scanners.status().find((s) => s.kind === 'serial')?.state).toBe('connected');
    // The scanner sends the card number and CR down the serial line; nothing is typed.
    pty.send('1000000004\r');
    await expect(page.getByRole('heading', { name: 'Indtast din pinkode' })).toBeVisible();
    // The scanner is unplugged mid-session: the borrower's session goes on (the PIN is keyed on
    // the screen), the scanner shows as disconnected, and nothing restarts.
    await pty.unplug();
    await expect.poll(() => kiosk.scanners.status().find((s) => s.kind === 'serial')?.state).not.toBe('connected');
    await keypad(page, '4444', /^OK$/);
    await expect(page.getByRole('heading', { name: 'Betales til biblioteket' })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Betales til kommunen' })).toBeVisible();
    await expect(page.getByTestId('total')).toContainText('185,25 kr.');
    await page.getByRole('button', { name: 'Betal 185,25 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });

    const [payment] = kiosk.core.journal.listByState(['approved', 'settled']);
    await expect
      .poll(() => kiosk.sandboxes.fbs!.ledger.map((l) => l.feeId).sort())
      .toEqual(['7001', '9007199254740993']);
    await expect
      .poll(() => [...kiosk.oeir.sandbox!.ledger.values()].map((e) => [e.paymentId, e.feeIds]))
      .toEqual([[payment!.id, ['7002']]]);
    await expect.poll(() => kiosk.core.journal.get(payment!.id).state).toBe('settled');
    expect(kiosk.terminal.simulator!.paymentsFor(payment!.id)).toEqual([expect.objectContaining({ captured: true })]);

    // Plugged back in: the next borrower's card is read by the same running kiosk.
    await page.getByRole('button', { name: 'Færdig' }).click();
    await pty.plug();
    await expect.poll(() => kiosk.scanners.status().find((s) => s.kind === 'serial')?.state).toBe('connected');
    pty.send('1000000002\r');
    await expect(page.getByRole('heading', { name: 'Indtast din pinkode' })).toBeVisible();
  } finally {
    await running.stop();
    await pty.close();
  }
});

test('ØiR down: the payment is taken and queued, the borrower is told, and it is delivered when ØiR is back', async ({
  page,
}) => {
  // Retries every few hundred milliseconds here instead of seconds to minutes.
  const running = await startKiosk({
    outbox: { baseBackoffMs: 100, maxBackoffMs: 400, pollIntervalMs: 100 },
    oeir: { breaker: { halfOpenAfterMs: 200 } },
  });
  const { kiosk } = running;
  const oeir = kiosk.oeir.sandbox!;
  const port = Number(new URL(oeir.url).port);
  try {
    await running.open(page);
    await wedgeScan(page, '1000000003');
    await keypad(page, '3333', /^OK$/);
    // The debtor system confirmed the claim open for the list; then it goes away (connection
    // refused from now on). Confirmed moments ago, the claim is still taken (docs/architecture.md: "Never
    // charged twice"); one it never confirmed would not be, at the kiosk.
    await expect(page.getByTestId('total')).toContainText('249,95 kr.');
    await oeir.close();
    await page.getByRole('button', { name: 'Betal 249,95 kr.' }).click();
    await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
    await expect(page.getByText('Betalingen er gemt og registreres, så snart forbindelsen er tilbage.')).toBeVisible({
      timeout: 10_000,
    });
    await checkScreen(page, 'da-approved-queued');

    const [payment] = kiosk.core.journal.listByState(['approved']);
    expect(payment).toBeDefined();
    expect(kiosk.core.journal.undeliveredCount(payment!.id)).toBe(1);
    expect(oeir.ledger.size).toBe(0);

    await oeir.start(port); // ØiR is back
    await expect.poll(() => kiosk.core.journal.get(payment!.id).state, { timeout: 20_000 }).toBe('settled');
    expect([...oeir.ledger.values()]).toEqual([
      expect.objectContaining({ paymentId: payment!.id, amountOre: 24995, feeIds: ['6001'] }),
    ]);
    expect(kiosk.terminal.simulator!.paymentsFor(payment!.id)).toEqual([expect.objectContaining({ captured: true })]);
  } finally {
    await running.stop();
  }
});
