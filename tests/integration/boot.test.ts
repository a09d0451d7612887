import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseUnusableError } from '../../db/open.js';
import { afterAll, afterEach, describe, expect, it, onTestFinished } from 'vitest';
import type { PaymentLine } from '../../contract/index.js';
import { TerminalTestStore } from '../../db/terminal-tests.js';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { ClaimsChangedError } from '../../core/checkout.js';
import { parseConfig } from '../../config/config.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { startPeers } from '../../app/peers.js';
import { runKioskCli } from '../support/kiosk-cli.js';

let kiosk: Kiosk | null = null;
const dir = tempDir();
afterEach(async () => {
  await kiosk?.stop();
  kiosk = null;
});
afterAll(() => dir.remove());

async function bootDemo(overrides: Record<string, unknown> = {}, dataDir = dir.path): Promise<Kiosk> {
  // The demo configuration, with the simulated borrower quicker at the terminal.
  const config = parseConfig({ terminal: { simulatorStepMs: 20 }, ...overrides });
  kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log: memoryLogger().log });
  return kiosk;
}

describe('the demo kiosk, composed', () => {
  it('starts the FBS sandbox and identifies a demo borrower through it', async () => {
    const k = await bootDemo();
    expect(k.sandboxes.fbs?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/rest$/);
    const { claims } = await k.fbs.identify('1000000002', '2222');
    expect(claims.map((c) => c.amountOre)).toEqual([3000, 5550]);
  });

  it('has one demo account per role (docs/demo.md), created once', async () => {
    const k = await bootDemo();
    const staff = await k.staff.login({ accountId: 'personale' }, '246810');
    const tech = await k.staff.login({ cardNumber: '9990000000002' }, '135790');
    expect([staff.ok && staff.session.role, tech.ok && tech.session.role]).toEqual(['staff', 'technician']);
    await k.stop();
    kiosk = null;
    const again = await bootDemo();
    expect(again.core.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'account.created'").get()).toEqual(
      { n: 2 },
    );
  });

  it('re-checks the claims at FBS right before charging', async () => {
    const k = await bootDemo();
    const { borrower, claims } = await k.fbs.identify('1000000002', '2222');
    const lines: PaymentLine[] = claims.map((c) => ({
      claimId: c.id,
      feeId: c.feeId,
      route: 'fbs',
      type: c.type,
      reason: c.reason,
      materials: c.materials,
      amountOre: c.amountOre,
    }));
    k.sandboxes.fbs!.markPaidElsewhere('5002');
    const refused = await k.core.checkout
      .pay({ channel: 'kiosk', patronId: borrower.patronId, lines, actor: 'kiosk' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClaimsChangedError);
    expect((refused as ClaimsChangedError).changes).toEqual([
      expect.objectContaining({ claimId: 'fbs:5002', kind: 'paid' }),
    ]);

    // With fresh claims it goes on to the demo's terminal simulator (nexo over HTTPS, encrypted),
    // and the approved payment is registered in the FBS sandbox.
    const steps: string[] = [];
    const payment = await k.core.checkout.pay(
      { channel: 'kiosk', patronId: borrower.patronId, lines: lines.slice(0, 1), actor: 'kiosk' },
      (progress) => steps.push(progress.step),
    );
    expect(payment).toMatchObject({ state: 'approved', card: { last4: '0005' } });
    expect(steps).toContain('enter-pin');
    expect(k.terminal.simulator!.paymentsFor(payment.id)).toEqual([expect.objectContaining({ captured: true })]);
    await expect.poll(() => k.sandboxes.fbs!.ledger.map((l) => l.feeId)).toEqual(['5001']);

    // The receipt, printed on the demo's network printer (ESC/POS over TCP, decoded there).
    const printed = await k.receipts.print(payment.id, 'da');
    expect(printed).toMatchObject({ printed: true, status: { state: 'ready' } });
    const paper = k.printer.simulator!.receipts()[0]!.join('\n');
    expect(paper).toContain('Demobiblioteket');
    expect(paper).toContain(payment.id);
    expect(paper).toContain('Kort: ');
    expect(paper).toContain('**** 0005');
    // Below it, the terminal's cardholder receipt, as the terminal gave it (scheme-certified text).
    const card = paper.slice(paper.indexOf('Kortkvittering'));
    expect(paper).toContain('Kortkvittering');
    expect(card).toContain('CARDHOLDER COPY');
    expect(card).toMatch(/Card +\*{12}0005/u);
    expect(card).toMatch(/TOTAL +DKK \d+\.\d\d/u);
    expect(printed.receipt.cardholderReceipt).toContainEqual({ name: 'APPROVED', value: '', bold: true });
    // Out of paper: not printed, the same receipt comes back for the screen, and it is audited.
    k.printer.simulator!.setState({ paper: 'out' });
    const shown = await k.receipts.print(payment.id, 'da');
    expect(shown).toMatchObject({ printed: false, status: { state: 'paper-out' }, receipt: printed.receipt });
    expect(k.printer.simulator!.receipts()).toHaveLength(1);
  });

  it('with a Nets terminal (the Connect@Cloud simulator): pays through the cloud, registers, prints Nets’ customer receipt', async () => {
    // Its own journal: the claims paid in this file's other tests are paid in the shared one.
    const own = tempDir('kiosk-nets-');
    onTestFinished(() => own.remove());
    const k = await bootDemo({ terminal: { driver: 'nets-cloud-simulator', simulatorStepMs: 20 } }, own.path);
    expect(k.terminal.netsSimulator?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/u);
    expect(await k.core.monitor.check()).toEqual({ available: true });
    const { borrower, claims } = await k.fbs.identify('1000000002', '2222');
    const lines = claims.map((c) => ({
      claimId: c.id,
      feeId: c.feeId,
      route: c.route as 'fbs',
      type: c.type,
      reason: c.reason,
      materials: c.materials,
      amountOre: c.amountOre,
    }));
    const payment = await k.core.checkout.pay({ channel: 'kiosk', patronId: borrower.patronId, lines, actor: 'kiosk' });
    expect(payment).toMatchObject({ state: 'approved', card: { scheme: 'Dankort', last4: '0005' } });
    expect(k.terminal.netsSimulator!.purchasesFor(payment.terminalRequestRef!)).toEqual([
      expect.objectContaining({ captured: true, amountOre: 8550 }),
    ]);
    await expect.poll(() => k.sandboxes.fbs!.ledger.map((l) => l.feeId).sort()).toEqual(['5001', '5002']);
    const printed = await k.receipts.print(payment.id, 'da');
    const paper = k.printer.simulator!.receipts()[0]!.join('\n');
    expect(printed.printed).toBe(true);
    expect(paper).toContain('Kortkvittering');
    expect(paper).toContain('GODKENDT');
    expect(paper).toMatch(/DKK +85,50/u);

    // The technician's terminal test through the cloud: 1 kr. charged, then voided at once.
    k.staffConsole.begin();
    k.staffConsole.choose('tekniker');
    await k.staffConsole.login('135790');
    expect(await k.staffConsole.request({ op: 'terminal-test', amountOre: 100, confirmed: true })).toMatchObject({
      outcome: 'approved',
      detail: expect.stringContaining('reversed'),
    });
    expect(k.terminal.netsSimulator!.ledger.at(-1)).toMatchObject({ amountOre: 100, captured: false, voided: true });

    // The day closed at the terminal, the kiosk's own card totals beside its printout.
    const closed = await k.staffConsole.request({ op: 'terminal-reconcile' });
    expect(closed).toMatchObject({
      kind: 'terminal-reconciliation',
      session: expect.any(String),
      lines: expect.arrayContaining(['AFSTEMNING', 'Antal køb: 1', 'I alt DKK 85,50']),
      kioskCard: { count: 1, ore: 8550 },
    });
    expect(k.core.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'terminal.reconciled'").get()).toEqual(
      {
        n: 1,
      },
    );

    // From SSH: `kiosk terminal reconcile` in its own process asks the running kiosk, which closes
    // the day between borrowers. While a borrower is at the screen it waits, and withdraws its
    // request when no kiosk took it in time: nothing runs later by surprise.
    const configFile = join(own.path, 'config.json');
    writeFileSync(configFile, JSON.stringify({ terminal: { driver: 'nets-cloud-simulator' } }));
    const env = { KIOSK_CONFIG: configFile, KIOSK_DATA_DIR: own.path };
    await k.session.command({ type: 'session.identify', cardNumber: '1000000004' });
    const refused = await runKioskCli(['terminal', 'reconcile', '--wait-s', '1'], env);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringContaining('withdrawn, nothing was done') });
    await k.session.command({ type: 'session.reset' });
    const cli = await runKioskCli(['terminal', 'reconcile'], env);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('| AFSTEMNING');
    expect(cli.stdout).toContain('| Antal køb: 1');
    expect(cli.stdout).toContain("The kiosk's card payments that day then: 1, 85,50 kr.");
    expect(k.terminal.netsSimulator!.ledger.filter((e) => e.captured)).toHaveLength(1);
    // The day's report keeps every closing: the two done, the one withdrawn.
    expect(k.desk.day().terminalClosings.map((c) => [c.state, c.requestedBy.split(':')[0]])).toEqual([
      ['done', expect.any(String)],
      ['withdrawn', 'cli'],
      ['done', 'cli'],
    ]);
    const report = await runKioskCli(['report'], env);
    expect(report.stdout).toContain('Terminal day closed');
    expect(report.stdout).toContain('Terminal day closing withdrawn');
  });

  it('lists devices for the technician: serial ports, HID, scanners, printer', async () => {
    const k = await bootDemo({
      scanner: { serial: [{ path: join(dir.path, 'no-such-tty') }], hid: { enabled: true }, reconnectPollMs: 50 },
    });
    await expect.poll(() => k.scanners.status().map((s) => s.state)).toEqual(['waiting', 'waiting']);
    const devices = await k.devices();
    expect(devices.serialPorts.ok).toBe(true);
    expect(devices.hid).toMatchObject({ ok: true });
    expect(devices.scanners).toEqual([
      expect.objectContaining({ kind: 'serial', state: 'waiting', detail: expect.stringContaining('is not there') }),
      expect.objectContaining({ kind: 'hid-pos', state: 'waiting', detail: 'no HID-POS scanner found' }),
    ]);
    expect(devices.printer).toMatchObject({
      description: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:/),
      status: { state: 'ready' },
    });
    k.printer.simulator!.setState({ coverOpen: true });
    expect((await k.devices()).printer.status.state).toBe('cover-open');
  });

  it('reports card payment unavailable when the demo terminal is out of service', async () => {
    const k = await bootDemo();
    k.terminal.simulator!.setState({ maintenance: true });
    expect(await k.core.monitor.check()).toMatchObject({ available: false, reason: 'out-of-service' });
    const { borrower, claims } = await k.fbs.identify('1000000002', '2222');
    const refused = await k.core.checkout
      .pay({
        channel: 'kiosk',
        patronId: borrower.patronId,
        actor: 'kiosk',
        lines: [{ ...claims[0]!, claimId: claims[0]!.id, route: 'fbs' } as unknown as PaymentLine],
      })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'CardPaymentUnavailableError' });
  });

  it('starts the ØiR sandbox on mutual TLS and checks debtor-route claims in the debtor system before charging', async () => {
    const k = await bootDemo();
    expect(k.oeir.problems).toEqual([]);
    expect(k.oeir.status().online).toBe(true);
    expect(k.sandboxes.oeir).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    const { borrower, claims } = await k.fbs.identify('1000000003', '3333');
    const lines: PaymentLine[] = claims.map((c) => ({
      claimId: c.id,
      feeId: c.feeId,
      route: 'debtor',
      type: c.type,
      reason: c.reason,
      materials: c.materials,
      amountOre: c.amountOre,
    }));
    // Paid in part at the municipality's office: FBS does not know yet, the debtor system does.
    await k.oeir.link!.pay({
      paymentId: randomUUID(),
      amountOre: 4995,
      paidAt: new Date().toISOString(),
      terminalTransactionRef: 'OFFICE-1',
      claims: [{ feeId: '6001', amountOre: 4995 }],
    });
    const refused = await k.core.checkout
      .pay({ channel: 'kiosk', patronId: borrower.patronId, lines, actor: 'kiosk' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClaimsChangedError);
    expect((refused as ClaimsChangedError).changes).toEqual([{ claimId: 'fbs:6001', kind: 'amount-changed' }]);
  });

  it('refuses a damaged journal with a clear error and leaves nothing running', async () => {
    const broken = tempDir('kiosk-broken-');
    try {
      writeFileSync(join(broken.path, 'kiosk.sqlite'), randomBytes(20_000));
      const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
      const before = servers();
      const error = await bootKiosk(
        { ...parseConfig({}), dataDir: broken.path },
        { packaged: false, log: memoryLogger().log },
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseUnusableError);
      expect((error as Error).message).toMatch(/cannot be used/);
      // Closed handles leave Node's resource list a moment after their close callbacks.
      await expect.poll(servers).toBeLessThanOrEqual(before);
    } finally {
      broken.remove();
    }
  });
});

describe('borrower look-ups by staff', () => {
  it('are audited with who and a keyed reference to whom, never the CPR or card number', async () => {
    const k = await bootDemo();
    const auditRows = () =>
      k.core.db
        .prepare("SELECT actor, subject, data_json FROM audit_log WHERE action = 'borrower.looked-up' ORDER BY seq")
        .all() as { actor: string; subject: string; data_json: string }[];
    k.staffConsole.begin();
    k.staffConsole.choose('personale');
    await k.staffConsole.login('246810');
    await k.staffConsole.request({ op: 'counter', cardOrCpr: '0101901234' });
    await k.session.command({ type: 'session.reset' });
    await k.staffConsole.request({ op: 'counter', cardOrCpr: '0101901234' });
    await k.session.command({ type: 'session.reset' });
    await k.staffConsole.request({ op: 'counter', cardOrCpr: '1000000002' });
    await k.session.command({ type: 'session.reset' });
    k.staffConsole.logout();
    k.staffConsole.begin();
    k.staffConsole.choose('tekniker');
    await k.staffConsole.login('135790');
    await k.staffConsole.request({ op: 'fbs-lookup', card: '1000000002' });

    const rows = auditRows();
    expect(rows.map((r) => [r.actor, JSON.parse(r.data_json)])).toEqual([
      ['staff:personale', { where: 'counter', by: 'cpr' }],
      ['staff:personale', { where: 'counter', by: 'cpr' }],
      ['staff:personale', { where: 'counter', by: 'library-card' }],
      ['technician:tekniker', { where: 'fbs-test', by: 'library-card' }],
    ]);
    const [cpr1, cpr2, card, cardByTechnician] = rows.map((r) => r.subject);
    expect(cpr1).toMatch(/^person:[0-9a-f]{20}$/u);
    expect(cpr2).toBe(cpr1); // the same person: the same reference
    expect(card).not.toBe(cpr1);
    expect(cardByTechnician).toBe(card);
    const everything = JSON.stringify(k.core.db.prepare('SELECT * FROM audit_log').all());
    for (const secret of ['0101901234', '1000000002']) expect(everything).not.toContain(secret);
  });
});

describe("the technician's terminal test", () => {
  it('is recorded before the terminal is asked; a refused reversal leaves a mismatch in the day report, never a registration', async () => {
    const k = await bootDemo();
    const simulator = k.terminal.simulator!;
    k.staffConsole.begin();
    k.staffConsole.choose('tekniker');
    await k.staffConsole.login('135790');
    const report = () => k.desk.day();
    // (This file's kiosks share a data folder: count what this test adds.)
    const outboxRows = () => (k.core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
    const before = { outbox: outboxRows(), payments: report().payments.length, tests: report().terminalTests.length };

    // Not confirmed: refused before the terminal hears of it, whatever the amount.
    const paymentsAtTerminal = simulator.entries('Payment').length;
    await expect(
      k.staffConsole.request({ op: 'terminal-test', amountOre: 100, confirmed: false }),
    ).rejects.toMatchObject({ code: 'confirm-live-test' });
    expect(simulator.entries('Payment')).toHaveLength(paymentsAtTerminal);
    // Two taps: the second is refused while the first waits for the terminal; one charge.
    const first = k.staffConsole.request({ op: 'terminal-test', amountOre: 100, confirmed: true });
    await expect(
      k.staffConsole.request({ op: 'terminal-test', amountOre: 100, confirmed: true }),
    ).rejects.toMatchObject({
      code: 'test-running',
    });
    expect(await first).toMatchObject({ outcome: 'approved', reversed: true });
    expect(simulator.entries('Payment')).toHaveLength(paymentsAtTerminal + 1);
    before.tests += 1;

    // A test that goes well: charged and given back; in the report, balanced.
    expect(await k.staffConsole.request({ op: 'terminal-test', amountOre: 100, confirmed: true })).toMatchObject({
      outcome: 'approved',
    });
    expect(
      report()
        .terminalTests.slice(before.tests)
        .map((t) => t.state),
    ).toEqual(['reversed']);
    expect(report().mismatches.filter((m) => m.kind === 'test-not-reversed')).toEqual([]);

    // The terminal refuses the reversal: the money stays on the card, and the day says so.
    simulator.setState({ refuseReversals: true });
    // An Adyen terminal closes its day by itself: nothing to reconcile from the kiosk.
    await expect(k.staffConsole.request({ op: 'terminal-reconcile' })).rejects.toThrow(/closes its day by itself/);
    const refused = await k.staffConsole.request({ op: 'terminal-test', amountOre: 200, confirmed: true });
    expect(refused).toMatchObject({ outcome: 'approved', detail: expect.stringContaining('REVERSAL REFUSED') });
    const day = report();
    const tests = day.terminalTests.slice(before.tests);
    expect(tests.map((t) => [t.state, t.amountOre])).toEqual([
      ['reversed', 100],
      ['reversal-failed', 200],
    ]);
    expect(day.balanced).toBe(false);
    expect(day.mismatches.filter((m) => m.kind === 'test-not-reversed')).toEqual([
      expect.objectContaining({ amountOre: 200, paymentId: tests[1]!.id }),
    ]);
    // A test pays no claim: nothing for FBS or ØiR, no payment in the journal.
    expect(outboxRows()).toBe(before.outbox);
    expect(day.payments).toHaveLength(before.payments);
    const captured = simulator
      .entries('Payment')
      .filter((e) => e.captured && tests.some((t) => t.transactionRef === e.poiTransactionId));
    expect(captured.map((e) => e.amountOre)).toEqual([200]);
  });

  it('cut short by a stop is marked unknown at the next start: check the terminal', async () => {
    const dir = tempDir('kiosk-test-cut-');
    const config = { ...parseConfig({ terminal: { simulatorStepMs: 20 } }), dataDir: dir.path };
    const first = await bootKiosk(config, { packaged: false, log: memoryLogger().log });
    // As the journal stands after a crash between "asked" and "answered".
    new TerminalTestStore(first.core.db, first.core.audit).start(
      { id: '5b0a3f7e-3c1e-4a63-9a53-0b8f6f2d1c11', actor: 'technician:tekniker', amountOre: 100, requestRef: 'r1' },
      { actor: 'technician:tekniker', action: 'terminal.test-started', subject: null, data: {} },
    );
    await first.stop();
    const logged = memoryLogger();
    kiosk = await bootKiosk(config, { packaged: false, log: logged.log });
    const day = kiosk.desk.day();
    expect(day.terminalTests.map((t) => t.state)).toEqual(['unknown']);
    expect(day.mismatches.map((m) => m.kind)).toEqual(['test-not-reversed']);
    expect(logged.lines().join('\n')).toContain('a terminal test was cut short');
    await kiosk.stop();
    kiosk = null;
    dir.remove();
  });
});

describe('a journal that once ran the demo, started in production mode', () => {
  it('no longer opens with the published demo PINs or staff cards, and says so in the log', async () => {
    const peersDir = tempDir('kiosk-production-');
    const peers = await startPeers({ dir: peersDir.path, kiosks: 1, basePort: 0, terminalStepMs: 20 });
    try {
      const peer = peers.kiosks[0]!;
      const production = parseConfig(peer.config, peer.configFile);
      expect(production.mode).toBe('production');
      // The demo first, on the same data folder: it seeds its accounts.
      const demo = await bootKiosk(
        { ...parseConfig({ terminal: { simulatorStepMs: 20 } }), dataDir: peer.dataDir },
        { packaged: false, log: memoryLogger().log },
      );
      expect(await demo.staff.login({ accountId: 'tekniker' }, '135790')).toMatchObject({ ok: true });
      await demo.stop();

      const logged = memoryLogger();
      kiosk = await bootKiosk({ ...production, dataDir: peer.dataDir }, { packaged: false, log: logged.log });
      expect(await kiosk.staff.login({ accountId: 'tekniker' }, '135790')).toEqual({ ok: false, reason: 'invalid' });
      expect(await kiosk.staff.login({ cardNumber: '9990000000002' }, '135790')).toEqual({
        ok: false,
        reason: 'invalid',
      });
      expect(await kiosk.staff.login({ accountId: 'personale' }, '246810')).toEqual({ ok: false, reason: 'invalid' });
      const changes = logged.lines().filter((line) => line.includes('"msg":"staff accounts"'));
      expect(changes).toHaveLength(2);
    } finally {
      await kiosk?.stop();
      kiosk = null;
      await peers.close();
      peersDir.remove();
    }
  });
});
