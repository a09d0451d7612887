import { everySize, expect, keypad, SCREEN_SIZES, startKiosk, test, wedgeScan } from './kiosk-fixture.js';

/**
 * Every screen of the borrower's checkout, in Danish and in English: each is reached the way a
 * borrower reaches it, photographed and audited with axe-core (checkScreen). The words come
 * from the renderer's own translations; the test only names what it presses and reads.
 */
const WORDS = {
  da: {
    switchTo: 'English',
    typeInstead: 'Indtast kortnummer',
    continue: 'Fortsæt',
    startOver: 'Start forfra',
    pinTitle: 'Indtast din pinkode',
    wrongPin: 'Forkert pinkode. Prøv igen.',
    claimsTitle: 'Det skylder du',
    pay: 'Betal 85,50 kr.',
    payAny: /^Betal [0-9]/u,
    payingTitle: 'Betal på terminalen',
    cancel: 'Annuller betaling',
    cancelled: 'Betalingen blev annulleret. Der er ikke trukket penge.',
    declined: 'Betalingen blev afvist.',
    retry: 'Prøv igen',
    approved: 'Tak! Du har betalt',
    printed: 'Tag din kvittering.',
    done: 'Færdig',
    nothing: 'Du skylder ikke noget',
    blocked: 'Du er spærret som låner.',
    lockedOut: 'Din pinkode er spærret',
    fbsDown: 'Bibliotekets system svarer ikke',
    terminalDown: 'Kortbetaling er ikke mulig',
    book: 'Det er en bogs stregkode.',
    staff: 'Vi undersøger betalingen',
    fewTriesLeft: 'Forkert pinkode. Du har højst 2 forsøg tilbage. Derefter spærres kortet.',
    unknownCard: 'Vi kan ikke finde kortet.',
  },
  en: {
    switchTo: 'Dansk',
    typeInstead: 'Type card number',
    continue: 'Continue',
    startOver: 'Start over',
    pinTitle: 'Enter your PIN',
    wrongPin: 'Wrong PIN. Please try again.',
    claimsTitle: 'What you owe',
    pay: 'Pay 85,50 kr.',
    payAny: /^Pay [0-9]/u,
    payingTitle: 'Pay on the terminal',
    cancel: 'Cancel payment',
    cancelled: 'The payment was cancelled. No money was taken.',
    declined: 'The payment was declined.',
    retry: 'Try again',
    approved: 'Thank you! You have paid',
    printed: 'Please take your receipt.',
    done: 'Done',
    nothing: 'You owe nothing',
    blocked: 'Your library account is blocked.',
    lockedOut: 'Your PIN is locked',
    fbsDown: 'The library system is not answering',
    terminalDown: 'Card payment is not possible',
    book: 'That is a book’s barcode.',
    staff: 'We are checking the payment',
    fewTriesLeft: 'Wrong PIN. You have at most 2 tries left. Then the card is locked.',
    unknownCard: 'We cannot find the card.',
  },
} as const;

for (const language of ['da', 'en'] as const) {
  const w = WORDS[language];

  test(`every checkout screen in ${language === 'da' ? 'Danish' : 'English'} is seen and passes axe-core`, async ({
    page,
  }) => {
    // Three sizes per screen, each audited: minutes on a loaded machine; steps fail at their own limits.
    test.setTimeout(360_000);
    // A lost terminal answer is handed to staff after 3 s here instead of 3 minutes.
    const running = await startKiosk({
      terminal: { simulatorStepMs: 150, statusPollMs: 200, resolveGiveUpMs: 3_000 },
      // Three sizes, each audited, take longer than a borrower would stay on one screen.
      ui: { idleTimeoutMs: 600_000, idleWarningMs: 15_000, approvedReturnMs: 120_000 },
    });
    const { kiosk } = running;
    const shot = (name: string): Promise<void> => everySize(page, `${language}-tour-${name}`);
    const start = async (): Promise<void> => {
      await expect(page.locator('.kiosk[data-screen="attract"]')).toBeVisible();
      // The language goes back to Danish after every session, as a kiosk should.
      if (language === 'en') await page.getByRole('button', { name: 'English' }).click();
      await expect(page.locator('html')).toHaveAttribute('lang', language);
    };
    const startOver = async (): Promise<void> => {
      await page.getByRole('button', { name: w.startOver }).click();
      await start();
    };
    try {
      await running.open(page);
      await page.setViewportSize(SCREEN_SIZES.portrait);
      await start();
      await shot('attract');

      // A book's barcode: told what to scan instead.
      await wedgeScan(page, '9788702173437');
      await expect(page.getByText(w.book)).toBeVisible();
      await shot('scan-book');
      await startOver();

      // Typing the card number instead of scanning it.
      await page.getByRole('button', { name: w.typeInstead }).click();
      await keypad(page, '1000000002');
      await shot('type-card');
      await page.getByRole('button', { name: w.continue }).click();
      await expect(page.getByRole('heading', { name: w.pinTitle })).toBeVisible();
      await shot('pin');
      await keypad(page, '9999', /^OK$/);
      await expect(page.getByText(w.wrongPin)).toBeVisible();
      await shot('pin-wrong');
      await keypad(page, '9999', /^OK$/);
      await keypad(page, '9999', /^OK$/);
      await expect(page.getByText(w.fewTriesLeft)).toBeVisible();
      await shot('pin-few-tries-left');
      await keypad(page, '2222', /^OK$/);
      await expect(page.getByRole('heading', { name: w.claimsTitle })).toBeVisible();
      await shot('claims');

      // Declined, then back to the claims.
      kiosk.terminal.simulator!.queueScenario('decline');
      await page.getByRole('button', { name: w.pay }).click();
      await expect(page.getByText(w.declined)).toBeVisible();
      await shot('declined');
      await page.getByRole('button', { name: w.retry }).click();

      // Paying, waiting at the terminal; the borrower cancels on the kiosk.
      kiosk.terminal.simulator!.queueScenario('wait-for-pin');
      await page.getByRole('button', { name: w.pay }).click();
      await expect(page.getByRole('heading', { name: w.payingTitle })).toBeVisible();
      await expect(page.getByTestId('terminal-step')).not.toHaveText(/^$/);
      await shot('paying');
      await page.getByRole('button', { name: w.cancel }).click();
      await expect(page.getByText(w.cancelled)).toBeVisible({ timeout: 15_000 });
      await shot('cancelled');
      await page.getByRole('button', { name: w.retry }).click();

      await page.getByRole('button', { name: w.pay }).click();
      await expect(page.getByRole('heading', { name: w.approved })).toBeVisible({ timeout: 15_000 });
      await expect(page.getByTestId('print-status')).toHaveText(w.printed, { timeout: 10_000 });
      await shot('approved');
      await page.getByRole('button', { name: w.done }).click();
      await start();

      // A card FBS does not know.
      await page.getByRole('button', { name: w.typeInstead }).click();
      await keypad(page, '1000000099');
      await page.getByRole('button', { name: w.continue }).click();
      await keypad(page, '1234', /^OK$/);
      await expect(page.getByTestId('error-message')).toHaveText(new RegExp(w.unknownCard));
      await shot('unknown-card');
      await startOver();

      // Nothing to pay, blocked, locked out.
      for (const [card, pin, expected, name] of [
        ['1000000001', '1111', w.nothing, 'nothing-to-pay'],
        ['1000000005', '5555', w.blocked, 'blocked'],
        ['1000000006', '6666', w.lockedOut, 'locked-out'],
      ] as const) {
        await wedgeScan(page, card);
        await keypad(page, pin, /^OK$/);
        await expect(page.getByText(expected)).toBeVisible();
        await shot(name);
        await startOver();
      }

      // (The claims of 1000000002 are paid now; other borrowers from here on.)
      // The terminal down.
      await wedgeScan(page, '1000000003');
      await keypad(page, '3333', /^OK$/);
      await kiosk.terminal.simulator!.setReachable(false);
      await page.getByRole('button', { name: w.payAny }).click();
      await expect(page.getByTestId('error-message')).toHaveText(new RegExp(w.terminalDown));
      await shot('card-payment-unavailable');
      await kiosk.terminal.simulator!.setReachable(true);
      await startOver();

      // The terminal approves but its answer is lost and it cannot be asked afterwards: the money
      // question goes to staff, never "try again".
      await wedgeScan(page, '1000000004');
      await keypad(page, '4444', /^OK$/);
      kiosk.terminal.simulator!.queueScenario('drop');
      const paymentsBefore = kiosk.terminal.simulator!.entries('Payment').length;
      await page.getByRole('button', { name: w.payAny }).click();
      await expect(page.getByRole('heading', { name: w.payingTitle })).toBeVisible();
      // Unplugged once the request is at the terminal (the claims are checked before it is sent).
      await expect.poll(() => kiosk.terminal.simulator!.entries('Payment').length).toBe(paymentsBefore + 1);
      await kiosk.terminal.simulator!.setReachable(false);
      await expect(page.getByRole('heading', { name: w.staff })).toBeVisible({ timeout: 30_000 });
      await shot('staff-notified');
      await startOver();

      // The library system down (last: its circuit breaker stays open for a while).
      kiosk.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100 } });
      await wedgeScan(page, '1000000002');
      await keypad(page, '2222', /^OK$/);
      await expect(page.getByTestId('error-message')).toHaveText(new RegExp(w.fbsDown));
      await shot('fbs-unavailable');
    } finally {
      await running.stop();
    }
  });
}
