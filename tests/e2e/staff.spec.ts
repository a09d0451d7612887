import { sumOre, formatDkk } from '../../contract/index.js';
import { createCertificateAuthority, toPkcs12 } from '../../base/sandbox-pki.js';
import {
  checkScreen,
  expect,
  holdTitle,
  keypad,
  logInAsStaff,
  voidQueuedPayment,
  startKiosk,
  test,
  wedgeScan,
} from './kiosk-fixture.js';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

// The browser in another zone than the library's: every time on the staff screens must still be
// the library's (Europe/Copenhagen), as on the receipts and in the CSV.
test.use({ timezoneId: 'America/New_York' });

const copenhagenTime = (iso: string) =>
  new Intl.DateTimeFormat('da-DK', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Copenhagen' }).format(
    new Date(iso),
  );

/** The demo technician, by staff card and PIN. */
async function logInAsTechnician(page: Page): Promise<void> {
  await wedgeScan(page, '9990000000002');
  await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toBeVisible();
  await expect(page.getByText('Demo-tekniker')).toBeVisible();
  await keypad(page, '135790', 'Log ind');
}

test('staff: hidden gesture + PIN, counter payment without the borrower’s PIN, queue with void and reprint, day report against the sandboxes', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);

  await holdTitle(page);
  await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toBeVisible();
  await checkScreen(page, 'staff-login-choose');
  await page.getByRole('button', { name: 'Demo-personale' }).click();
  await keypad(page, '111111', 'Log ind');
  await expect(page.getByRole('alert')).toHaveText('Forkert pinkode.');
  await checkScreen(page, 'staff-login-wrong-pin');
  await keypad(page, '246810', 'Log ind');
  await expect(page.getByTestId('staff-banner')).toHaveText('Personaletilstand: Demo-personale');
  // Role separation on the screen: a staff member sees no technician tabs.
  await expect(page.locator('.desk-tabs button')).toHaveText(['Ekspedition', 'Dagens betalinger', 'Dagsopgørelse']);
  await checkScreen(page, 'staff-counter');

  // Counter: the borrower's card number, no PIN; the same claims and payment screens.
  await keypad(page, '1000000002', 'Find låner');
  await expect(page.getByRole('heading', { name: 'Det skylder du' })).toBeVisible();
  await expect(page.getByTestId('staff-banner')).toHaveText(/ved skranken/u);
  await checkScreen(page, 'staff-counter-claims');
  await page.getByRole('button', { name: 'Betal 85,50 kr.' }).click();
  await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Færdig' }).click();
  await expect.poll(() => kiosk.sandboxes.fbs!.ledger.map((e) => e.feeId)).toEqual(['5001', '5002']);
  const counterPayment = kiosk.core.journal.listByState(['settled'])[0]!;
  expect(counterPayment.channel).toBe('staff');

  // A second counter payment while FBS refuses registrations: it waits in the queue.
  kiosk.sandboxes.fbs!.setFaults({ status: { code: 503, times: 100_000 }, pathIncludes: '/payment/v2' });
  await keypad(page, '1000000007', 'Find låner');
  await page.getByRole('button', { name: 'Betal 10,00 kr.' }).click();
  await expect(page.getByRole('heading', { name: 'Tak! Du har betalt' })).toBeVisible({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Færdig' }).click();

  await page.getByRole('button', { name: 'Dagens betalinger' }).click();
  await expect(page.locator('.desk-payment[data-state="approved"]')).toContainText('FBS i kø');
  // Times in the library's zone; each payment says what happened and what to do, in Danish.
  await expect(page.locator(`[data-testid="payment-${counterPayment.id}"] .desk-payment-head span`).first()).toHaveText(
    copenhagenTime(counterPayment.createdAt),
  );
  await expect(page.locator(`[data-testid="payment-${counterPayment.id}"]`)).toContainText('Registreret');
  await expect(page.locator(`[data-testid="payment-${counterPayment.id}"] [data-testid="next-step"]`)).toHaveText(
    'Hvad nu: Intet at gøre.',
  );
  await expect(page.getByTestId('queue-date')).toHaveText(/^\d{1,2}\. [a-zæøå]+ \d{4}$/u);
  await checkScreen(page, 'staff-queue');
  await voidQueuedPayment(page, 'Låneren fortrød ved skranken', 'staff-queue-void');
  const settled = page.locator('.desk-payment[data-state="settled"]');
  await settled.getByRole('button', { name: 'Udskriv kvittering igen' }).click();
  await expect(settled.getByTestId('desk-outcome')).toHaveText('Udført.');

  // The day: the screen's totals are the sandboxes' ledgers.
  await page.getByRole('button', { name: 'Dagsopgørelse' }).click();
  const fbsOre = sumOre(kiosk.sandboxes.fbs!.ledger.map((e) => Math.round(Number(e.amount) * 100)));
  const captured = kiosk.terminal.simulator!.entries('Payment').filter((e) => e.captured);
  await expect(page.getByTestId('fbs-registered')).toHaveText(formatDkk(fbsOre));
  await expect(page.getByTestId('net-card')).toHaveText(formatDkk(sumOre(captured.map((e) => e.amountOre ?? 0))));
  await expect(page.getByTestId('voided')).toHaveText(formatDkk(-1000));
  await expect(page.getByTestId('balanced')).toBeVisible();
  await checkScreen(page, 'staff-report');
  await page.getByRole('button', { name: 'Udskriv dagsopgørelse' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText('Udskrevet.');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Hent CSV til økonomi' }).click();
  const csv = await download;
  expect(csv.suggestedFilename()).toMatch(/^dagsopgoerelse-\d{4}-\d{2}-\d{2}\.csv$/u);
  // The finance file from the core: one row per payment and the day's total (net card 85,50).
  const rows = readFileSync(await csv.path(), 'utf8')
    .trim()
    .split('\r\n');
  expect(rows).toHaveLength(1 + 2 + 1);
  expect(rows.at(-1)).toContain(';I ALT;;afstemt;85,50;85,50;0,00;0,00;0,00;');

  // A landscape screen: the header keeps "Log ud" and "English" on one line, inside the screen.
  await page.setViewportSize({ width: 1920, height: 1080 });
  const logout = (await page.getByRole('button', { name: 'Log ud' }).boundingBox())!;
  const english = (await page.getByRole('button', { name: 'English' }).boundingBox())!;
  expect(logout.height).toBeLessThan(100);
  expect(Math.abs(logout.y - english.y)).toBeLessThan(5);
  expect(english.x + english.width).toBeLessThanOrEqual(1920);
  await checkScreen(page, 'staff-report-landscape');

  await page.getByRole('button', { name: 'Log ud' }).click();
  await expect(page.getByRole('heading', { name: 'Betal til biblioteket' })).toBeVisible();
  const actions = kiosk.core.db
    .prepare(`SELECT action FROM audit_log WHERE actor = 'staff:personale' ORDER BY seq`)
    .all()
    .map((r) => (r as { action: string }).action);
  expect(actions).toEqual(
    expect.arrayContaining([
      'staff.login',
      'payment.created',
      'payment.void-requested',
      'payment.voided',
      'report.printed',
      'staff.logout',
    ]),
  );
});

test('technician: staff card + PIN, diagnostics, live scan test, printer and terminal tests, FBS look-up, settings and certificate; secrets never shown', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await logInAsTechnician(page);
  await expect(page.locator('.desk-tabs button')).toHaveText([
    'Dagens betalinger',
    'Dagsopgørelse',
    'Diagnose',
    'Enheder',
    'Indstillinger',
    'Konti',
  ]);

  await page.getByRole('button', { name: 'Diagnose' }).click();
  for (const part of ['database', 'disk', 'fbs', 'oeir', 'certificate', 'terminal', 'printer', 'scanners'])
    await expect(page.getByTestId(`check-${part}`)).toHaveAttribute('data-level', 'ok', { timeout: 20_000 });
  // In Danish; the checks' own technical words only under "Tekniske detaljer".
  await expect(page.getByTestId('check-fbs')).toContainText('FBS (bibliotekssystemet): OK Virker.');
  await expect(page.getByText('journal readable and intact')).toBeHidden();
  await checkScreen(page, 'tech-diagnose');

  await page.getByRole('button', { name: 'Enheder' }).click();
  await expect(page.getByText('Intet scannet endnu.')).toBeVisible();
  await wedgeScan(page, '1000000004');
  await expect(page.getByTestId('live-scans')).toContainText('1000000004 (lånerkort, fra wedge)');
  // A technician's scan test is not a borrower: no session started.
  expect(kiosk.session.current().view.screen).toBe('attract');
  await page.getByRole('button', { name: 'Udskriv testside' }).click();
  await expect(page.getByTestId('desk-outcome')).toBeVisible();
  // The 1 kr. test: offered only once the box is ticked; shows that it runs; one at a time.
  const testButton = page.getByRole('button', { name: /^Testbetaling 1,00 kr\./u });
  await expect(testButton).toBeDisabled();
  const paymentsBefore = kiosk.terminal.simulator!.entries('Payment').length;
  await page.getByLabel('Jeg bekræfter: beløbet trækkes på et rigtigt kort og tilbageføres').check();
  await testButton.click();
  // Shown from the tap until the terminal answers (its simulated steps take a second at least).
  await expect(page.getByTestId('terminal-test-running')).toHaveText(
    'Testbetalingen kører. Følg terminalen: sæt et kort i, og indtast pinkoden.',
  );
  await expect(testButton).toBeDisabled();
  await expect(page.getByTestId('terminal-test-outcome')).toHaveText(/^Godkendt \(ref\. \S+\) og tilbageført\.$/u, {
    timeout: 15_000,
  });
  await expect(page.getByTestId('terminal-test-running')).toBeHidden();
  expect(kiosk.terminal.simulator!.entries('Payment')).toHaveLength(paymentsBefore + 1);
  // Ticked again for each test.
  await expect(testButton).toBeDisabled();
  expect(kiosk.terminal.simulator!.entries('Payment').filter((e) => e.captured)).toEqual([]);
  await page.getByLabel('Testkort').fill('1000000002');
  await page.getByRole('button', { name: 'Log ind og slå testkort op' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText('Fundet: låner 100002 med 2 åbne krav.');
  await checkScreen(page, 'tech-devices');

  await page.getByRole('button', { name: 'Indstillinger' }).click();
  await expect(page.getByTestId('secrets')).toContainText('fbs.password: ikke angivet');
  await page.getByLabel('Tekst nederst på kvitteringen').fill('Åbent man–fre 10–19');
  await page.getByRole('button', { name: 'Gem indstillinger' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText(
    'Gemt. Tryk "Genstart automaten" for at bruge de nye indstillinger.',
  );

  const ca = createCertificateAuthority('E2E CA');
  const password = 'cert-password-Zq81';
  const p12 = toPkcs12(
    ca.issue({ commonName: 'Testkommune', serialNumberAttribute: 'CVR:29189846-FID:7' }),
    password,
    ca.certPem,
  );
  await page
    .getByLabel('Certifikatfil (.p12)')
    .setInputFiles({ name: 'org.p12', mimeType: 'application/x-pkcs12', buffer: p12 });
  // Our own file button, in Danish (the browser's would say "Choose File").
  await expect(page.getByText('Vælg certifikatfil')).toBeVisible();
  await expect(page.getByTestId('cert-file-name')).toHaveText('org.p12');
  await page.getByLabel('Certifikatets adgangskode').fill(password);
  await page.getByRole('button', { name: 'Installer og test' }).click();
  await expect(page.getByTestId('desk-outcome')).toContainText('Udstedt til: CN=Testkommune');
  await expect(page.getByTestId('secrets')).toContainText('oeir.certificatePassword: angivet');
  await expect(page.getByTestId('certificate')).toContainText('CN=Testkommune');
  await checkScreen(page, 'tech-settings');
  // The password went in, and never comes back: not on the screen, not in the file in clear.
  expect(await page.content()).not.toContain(password);
  const configText = readFileSync(kioskUnderTest.configFile, 'utf8');
  expect(configText).toContain('Åbent man–fre 10–19');
  expect(configText).not.toContain(password);
});

test('technician accounts: add a staff account, enrol its card by scanning it, a new PIN, disable; the new card logs in', async ({
  page,
  kioskUnderTest,
}) => {
  const { kiosk } = kioskUnderTest;
  await kioskUnderTest.open(page);
  await logInAsTechnician(page);
  await page.getByRole('button', { name: 'Konti' }).click();
  await expect(page.locator('[data-account="personale"]')).toContainText('Personale · Aktiv');

  await page.getByLabel('Brugernavn (små bogstaver og tal)').fill('karen');
  await page.getByLabel('Navn', { exact: true }).fill('Karen Skranke');
  await page.getByLabel('PIN (6–12 cifre)').fill('55667788');
  await page.getByRole('button', { name: 'Opret konto' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText('Kontoen karen er oprettet.');
  const karen = page.locator('[data-account="karen"]');
  await expect(karen).toContainText('Personale · Aktiv · Intet personalekort');

  // Enrol: the next scan is her card; its number is never shown or stored, only its keyed hash.
  await karen.getByRole('button', { name: 'Indlæs personalekort' }).click();
  await expect(page.getByTestId('enrol-waiting')).toHaveText('Scan personalekortet til karen nu …');
  await wedgeScan(page, '7770000000017');
  await expect(page.getByTestId('desk-outcome')).toHaveText('Personalekortet er indlæst til karen.');
  await expect(karen).toContainText('Personalekort indlæst');
  await expect(page.getByTestId('live-scans')).toHaveCount(0);

  await karen.getByRole('button', { name: 'Ny PIN' }).click();
  await karen.getByLabel('Ny PIN').fill('66778899');
  await karen.getByRole('button', { name: 'Gem PIN' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText('karen har fået en ny PIN.');
  await page.locator('[data-account="personale"]').getByRole('button', { name: 'Spær' }).click();
  await expect(page.getByTestId('desk-outcome')).toHaveText('personale er spærret.');
  await expect(page.locator('[data-account="personale"]')).toContainText('Personale · Spærret');
  await checkScreen(page, 'tech-accounts');
  const stored = JSON.stringify([
    kiosk.core.db.prepare('SELECT * FROM staff_accounts').all(),
    kiosk.core.db.prepare('SELECT * FROM audit_log').all(),
  ]);
  for (const secret of ['7770000000017', '55667788', '66778899']) expect(stored).not.toContain(secret);

  // Her card and new PIN open staff mode; the disabled account is not offered.
  await page.getByRole('button', { name: 'Log ud' }).click();
  await wedgeScan(page, '7770000000017');
  await expect(page.getByRole('heading', { name: 'Log ind som personale' })).toBeVisible();
  await expect(page.getByText('Karen Skranke')).toBeVisible();
  await keypad(page, '66778899', 'Log ind');
  await expect(page.getByTestId('staff-banner')).toHaveText('Personaletilstand: Karen Skranke');
  await expect(page.locator('.desk-tabs button')).not.toContainText(['Konti']);
});

test('staff PIN lock-out, a staff PIN cannot reach technician requests, idle log-out', async ({ page }) => {
  const running = await startKiosk({ staff: { maxFailedAttempts: 3, idleLogoutMs: 10_000 } });
  try {
    const { kiosk } = running;
    await running.open(page);
    await holdTitle(page);
    await page.getByRole('button', { name: 'Demo-tekniker' }).click();
    for (let i = 0; i < 3; i += 1) await keypad(page, '000000', 'Log ind');
    await expect(page.getByRole('alert')).toHaveText('Kontoen er låst efter for mange forsøg. Prøv igen senere.');
    // Locked: even the right PIN is refused now.
    await keypad(page, '135790', 'Log ind');
    await expect(page.getByRole('alert')).toHaveText(/låst/u);
    await checkScreen(page, 'staff-locked-out');
    await page.getByRole('button', { name: 'Annuller' }).click();

    await logInAsStaff(page);
    // The staff session, asked for a technician's request over the screen's own channel.
    const refused = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const page = globalThis as unknown as {
            location: { host: string };
            sessionStorage: { getItem(key: string): string | null };
          };
          const token = page.sessionStorage.getItem('kiosk-token') ?? '';
          const ws = new WebSocket(`ws://${page.location.host}/kiosk?token=${token}`);
          ws.onopen = () =>
            ws.send(JSON.stringify({ type: 'staff.request', requestId: 'probe', request: { op: 'settings' } }));
          ws.onmessage = (m) => {
            const event = JSON.parse(String(m.data)) as { type: string; answer?: { error?: string } };
            if (event.type === 'staff.result') resolve(event.answer?.error ?? 'allowed');
          };
        }),
    );
    expect(refused).toBe('a staff may not do settings.view');
    const refusals = kiosk.core.db.prepare(`SELECT COUNT(*) AS n FROM audit_log WHERE action = 'staff.refused'`).get();
    expect(refusals).toEqual({ n: 1 });

    // No touch for the idle time: logged out, back to the borrower's start screen.
    await expect(page.getByTestId('staff-banner')).toBeHidden({ timeout: 15_000 });
    await expect(page.getByRole('heading', { name: 'Betal til biblioteket' })).toBeVisible();
    const idle = kiosk.core.db
      .prepare(`SELECT data_json FROM audit_log WHERE action = 'staff.logout' ORDER BY seq DESC LIMIT 1`)
      .get() as { data_json: string };
    expect(JSON.parse(idle.data_json)).toEqual({ reason: 'idle' });
  } finally {
    await running.stop();
  }
});

test('technician restart: the kiosk stops and starts again with the saved settings; the open page reconnects', async ({
  page,
  kioskUnderTest,
}) => {
  const before = kioskUnderTest.kiosk;
  await kioskUnderTest.open(page);
  await logInAsTechnician(page);
  await page.getByRole('button', { name: 'Indstillinger' }).click();
  await page.getByLabel('Sprog').selectOption('en');
  await page.getByRole('button', { name: 'Gem indstillinger' }).click();
  await expect(page.getByTestId('desk-outcome')).toContainText('Genstart automaten');
  // Saved, not yet in use: the borrower's screen still starts in Danish until the restart.
  expect(before.session.current().language).toBe('da');
  await page.getByRole('button', { name: 'Genstart automaten' }).click();
  await expect(page.getByTestId('restart-outcome')).toHaveText('Automaten genstarter …');
  // A new core (everyone logged out), the same page, now starting in English.
  await expect.poll(() => kioskUnderTest.kiosk !== before, { timeout: 30_000 }).toBe(true);
  await expect(page.getByRole('heading', { name: 'Pay the library' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('staff-banner')).toHaveCount(0);
  expect(kioskUnderTest.kiosk.session.current().language).toBe('en');
  await wedgeScan(page, '1000000002');
  await expect(page.getByText('Library card scanned.')).toBeVisible();
});
