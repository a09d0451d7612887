import { randomUUID } from 'node:crypto';
import { checkAdyenTerminalIdentity } from '../../devices/terminal/nexo/terminal-identity.js';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  TerminalAnswerLostError,
  TerminalBusyError,
  TerminalNotReachedError,
  TerminalRejectedError,
  type TerminalProgress,
} from '../../ports/payment-terminal.js';
import { NexoTerminal } from '../../devices/terminal/nexo/driver.js';
import { plainCodec } from '../../devices/terminal/nexo/codec.js';
import { CardPaymentUnavailableError, Checkout } from '../../core/checkout.js';
import { Core } from '../../core/core.js';
import { TerminalMonitor } from '../../core/terminal-monitor.js';
import { TerminalRecovery } from '../../core/terminal-recovery.js';
import { line, tempDir, testConfig } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';
import { until } from '../support/until.js';
import { FAST_TIMING, startTerminalFixture, type TerminalFixture } from '../support/terminal-fixture.js';
import { TerminalSimulator } from '../../devices/terminal/simulator/server.js';

/**
 * The nexo driver against the terminal simulator over real HTTPS with NexoBlob encryption, and
 * the checkout and recovery on a real journal. The simulator's ledger is the terminal's truth.
 */
let t: TerminalFixture;
beforeEach(async () => {
  t = await startTerminalFixture();
});
afterEach(async () => {
  await t.close();
});

const pay = (amountOre = 4500, onProgress?: (p: TerminalProgress) => void) => {
  const paymentId = randomUUID();
  const requestRef = t.terminal.newRequestRef();
  return {
    paymentId,
    requestRef,
    result: t.terminal.pay({ paymentId, requestRef, amountOre, currency: 'DKK' }, onProgress),
  };
};

describe('nexo driver against the simulator', () => {
  it('approves, with the display steps on the way and only scheme and last four digits of the card', async () => {
    const steps: string[] = [];
    const p = pay(4550, (progress) => steps.push(progress.step));
    expect(await p.result).toEqual({
      outcome: 'approved',
      transactionRef: expect.stringMatching(/^SIM\d{6}\./) as string,
      transactionTime: expect.any(String) as string,
      authorizedOre: 4550,
      card: { scheme: 'visadankort', last4: '0005', approvalCode: expect.any(String) as string },
      cardholderReceipt: expect.arrayContaining([{ name: 'TOTAL', value: 'DKK 45.50', bold: true }]) as unknown,
    });
    expect(steps.slice(0, 4)).toEqual(['present-card', 'card-read', 'enter-pin', 'pin-entered']);
    // The terminal's ledger: keyed by (POIID, SaleID, ServiceID), our payment id as the sale transaction.
    const entry = t.simulator.ledger.get(`${t.simulator.poiId}|KIOSK1|${p.requestRef}`);
    expect(entry).toMatchObject({ saleTransactionId: p.paymentId, amountOre: 4550, captured: true });
  });

  for (const [scenario, reason] of [
    ['decline', 'refused'],
    ['cancel', 'cancelled'],
    ['card-removed', 'card-removed'],
    ['busy', 'busy'],
  ] as const) {
    it(`reports "${scenario}" as declined (${reason}) and takes no money`, async () => {
      t.simulator.queueScenario(scenario);
      const p = pay();
      expect(await p.result).toMatchObject({ outcome: 'declined', reason });
      expect(t.simulator.paymentsFor(p.paymentId)).toEqual([expect.objectContaining({ captured: false })]);
    });
  }

  it('passes on the long display sequence, application choice included', async () => {
    t.simulator.queueScenario('display-sequence');
    const steps: string[] = [];
    const texts: string[] = [];
    const p = pay(2000, (progress) => {
      steps.push(progress.step);
      texts.push(progress.text ?? '');
    });
    expect((await p.result).outcome).toBe('approved');
    expect(steps).toContain('choose-application');
    expect(texts).toContain('Indtast PIN');
  });

  it('aborts during PIN entry with an abort aimed at the ServiceID in flight', async () => {
    t.simulator.queueScenario('wait-for-pin');
    let paymentId = '';
    const p = pay(3000, (progress) => {
      if (progress.step === 'enter-pin') void t.terminal.abort(paymentId);
    });
    paymentId = p.paymentId;
    expect(await p.result).toMatchObject({ outcome: 'declined', reason: 'aborted' });
    const aborts = t.simulator.entries('Abort');
    expect(aborts).toEqual([expect.objectContaining({ abortTarget: p.requestRef, abortHit: true })]);
    expect(t.simulator.paymentsFor(p.paymentId)[0]?.captured).toBe(false);
    // An abort for a payment that is not in flight is never sent: it could hit the wrong one.
    await t.terminal.abort(paymentId);
    await t.terminal.abort(randomUUID());
    expect(t.simulator.entries('Abort')).toHaveLength(1);
  });

  it("waits for the terminal's own timeout rather than giving up first", async () => {
    t.simulator.queueScenario('wait-for-pin');
    const started = Date.now();
    const outcome = await pay().result;
    // The terminal (800 ms) timed out and said so; the driver (1.2 s) was still listening.
    expect(outcome).toMatchObject({ outcome: 'declined', reason: 'cancelled', detail: 'Timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(t.simulator.timing.terminalTimeoutMs);
    expect(() => new NexoTerminal({ ...driverOptions(), terminalTimeoutMs: 2_000, clientTimeoutMs: 2_000 })).toThrow(
      /must be longer/,
    );
    // Nor does the simulator approve after the terminal's own limit, as no Adyen terminal does.
    expect(() => new TerminalSimulator({ timing: { ...FAST_TIMING, slowMs: FAST_TIMING.terminalTimeoutMs } })).toThrow(
      /never approves after/,
    );
  });

  it('keeps one payment in flight: a second one is refused before anything is sent', async () => {
    t.simulator.queueScenario('wait-for-pin');
    const first = pay();
    await until('the first payment at the terminal', () => t.simulator.entries('Payment').length === 1);
    await expect(pay().result).rejects.toBeInstanceOf(TerminalBusyError);
    await t.terminal.abort(first.paymentId);
    await first.result;
    expect(t.simulator.entries('Payment')).toHaveLength(1);
  });

  it('reports health as Adyen’s terminal status says (DiagnosisRequest): available, out of service, unreachable', async () => {
    expect(await t.terminal.health()).toEqual({ available: true });
    // Asked by Adyen's status request, never by a Login every interval.
    expect(t.simulator.entries('Diagnosis').length).toBeGreaterThan(0);
    expect(t.simulator.entries('Login')).toEqual([]);
    t.simulator.setState({ maintenance: true });
    expect(await t.terminal.health()).toMatchObject({ available: false, reason: 'out-of-service' });
    t.simulator.setState({ maintenance: false, acquirerReachable: false });
    expect(await t.terminal.health()).toMatchObject({
      available: false,
      reason: 'out-of-service',
      detail: expect.stringContaining('acquirer'),
    });
    t.simulator.setState({ acquirerReachable: true });
    // A terminal busy with a payment can take ours after it: busy is not out of service.
    t.simulator.queueScenario('wait-for-pin');
    const waiting = pay();
    await until('the payment waits for the PIN', () => t.simulator.entries('Payment').length === 1);
    expect(await t.terminal.health()).toEqual({ available: true });
    await t.terminal.abort(waiting.paymentId);
    await waiting.result;
    // A terminal that answers a payment "logged out" (nexo LoggedOut) declines it, and says why.
    t.simulator.setState({ loggedOut: true });
    expect(await pay().result).toMatchObject({ outcome: 'declined', reason: 'logged-out' });
    t.simulator.setState({ loggedOut: false });
    await t.simulator.setReachable(false);
    expect(await t.terminal.health()).toMatchObject({ available: false, reason: 'unreachable' });
    // Connection refused: provably never sent.
    await expect(pay().result).rejects.toBeInstanceOf(TerminalNotReachedError);
    await t.simulator.setReachable(true);
    expect(await t.terminal.health()).toEqual({ available: true });
  });

  it("a request the terminal rejects (a wrong key) is Adyen's Reject notice with its reason: nothing was charged", async () => {
    const wrong = await startTerminalFixture({
      driverKey: { keyIdentifier: 'TestKey', keyVersion: 1, passphrase: 'not the terminal key' },
    });
    try {
      const paymentId = randomUUID();
      const error = await wrong.terminal
        .pay({ paymentId, requestRef: wrong.terminal.newRequestRef(), amountOre: 4500, currency: 'DKK' })
        .catch((e: unknown) => e);
      // Not "answer lost" (which would start recovery): the terminal said it did nothing, and why.
      expect(error).toBeInstanceOf(TerminalRejectedError);
      expect(error).toBeInstanceOf(TerminalNotReachedError);
      expect((error as Error).message).toContain('Invalid key or message authentication');
      expect(wrong.simulator.paymentsFor(paymentId)).toEqual([]);
    } finally {
      await wrong.close();
    }
  });

  it('refuses a tampered answer (bad HMAC) with a typed error, then learns the truth by status', async () => {
    t.simulator.setState({ tamperNextResponse: true });
    const p = pay();
    const error = await p.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalAnswerLostError);
    expect((error as Error).cause).toMatchObject({ name: 'NexoMessageError', kind: 'tampered' });
    const status = await t.terminal.status({ paymentId: p.paymentId, requestRef: p.requestRef });
    expect(status).toMatchObject({ state: 'final', outcome: { outcome: 'approved' } });
    expect(await t.terminal.status({ paymentId: randomUUID(), requestRef: 'Never1' })).toEqual({ state: 'not-found' });
  });

  it('ignores notifications that fail the key check', async () => {
    t.simulator.queueScenario('wait-for-pin');
    const steps: string[] = [];
    const p = pay(1000, (progress) => steps.push(progress.step));
    await until('the payment at the terminal', () => t.simulator.entries('Payment').length === 1);
    const forged = JSON.stringify({
      SaleToPOIRequest: {
        MessageHeader: {
          MessageClass: 'Device',
          MessageCategory: 'Display',
          MessageType: 'Request',
          POIID: t.simulator.poiId,
        },
        DisplayRequest: {
          DisplayOutput: [{ OutputContent: { PredefinedContent: { ReferenceID: 'event=TENDER_FINAL' } } }],
        },
      },
    });
    await request(t.listener.url, { method: 'POST', body: forged }).then((r) => r.body.dump());
    await t.terminal.abort(p.paymentId);
    await p.result;
    expect(steps).not.toContain('finished');
    expect(t.logLines().some((l) => l.includes('terminal notification refused'))).toBe(true);
  });

  it('reverses an approved payment once, naming it by the terminal’s reference and its own time stamp', async () => {
    const approved = await pay().result;
    if (approved.outcome !== 'approved' || !approved.transactionTime) throw new Error('expected an approval');
    const paymentId = randomUUID();
    const original = {
      transactionRef: approved.transactionRef,
      transactionTime: approved.transactionTime,
      amountOre: approved.authorizedOre!,
    };
    // nexo names a POI transaction by both: the time of the reversal is not the transaction's.
    const later = new Date(Date.parse(approved.transactionTime) + 60_000).toISOString();
    expect(await t.terminal.reverse({ paymentId, ...original, transactionTime: later })).toMatchObject({
      outcome: 'refused',
      detail: 'NotFound',
    });
    expect(await t.terminal.reverse({ paymentId, ...original })).toEqual({ outcome: 'reversed' });
    expect(await t.terminal.reverse({ paymentId, ...original })).toMatchObject({ outcome: 'refused' });
    expect(t.simulator.entries('Payment')[0]).toMatchObject({ captured: false, reversed: true });
  });

  it('takes scenarios from the control endpoint over HTTPS', async () => {
    const agent = new Agent({
      connect: { ca: t.simulator.caPem, checkServerIdentity: checkAdyenTerminalIdentity(t.simulator.poiId) },
    });
    const base = t.simulator.url.replace('/nexo', '');
    const queued = await request(`${base}/control/scenario`, {
      method: 'POST',
      body: JSON.stringify({ scenario: 'decline' }),
      dispatcher: agent,
    });
    expect(queued.statusCode).toBe(200);
    await queued.body.dump();
    const p = pay();
    expect(await p.result).toMatchObject({ outcome: 'declined', reason: 'refused' });
    const ledger = await request(`${base}/control/ledger`, { dispatcher: agent });
    expect(await ledger.body.json()).toEqual([expect.objectContaining({ saleTransactionId: p.paymentId })]);
    const bad = await request(`${base}/control/scenario`, {
      method: 'POST',
      body: JSON.stringify({ scenario: 'explode' }),
      dispatcher: agent,
    });
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();
    await agent.close();
  });
});

describe('the unencrypted lab variant', () => {
  it('pays without NexoBlob when both ends are set up without a key', async () => {
    const lab = await startTerminalFixture({ encrypted: false });
    try {
      const outcome = await lab.terminal.pay({
        paymentId: randomUUID(),
        requestRef: lab.terminal.newRequestRef(),
        amountOre: 100,
        currency: 'DKK',
      });
      expect(outcome.outcome).toBe('approved');
    } finally {
      await lab.close();
    }
  });
});

function driverOptions() {
  return {
    url: t.simulator.url,
    poiId: t.simulator.poiId,
    saleId: 'KIOSK1',
    codec: plainCodec(),
    terminalTimeoutMs: 800,
    clientTimeoutMs: 1_200,
    requestTimeoutMs: 1_000,
    maxTransitMs: 400,
    log: t.log,
  };
}

describe('checkout with the nexo driver and the journal', () => {
  let s: Stores;
  let monitor: TerminalMonitor;
  let checkout: Checkout;
  beforeEach(() => {
    s = openStores();
    monitor = new TerminalMonitor(t.terminal, t.log, 60_000);
    checkout = new Checkout({
      journal: s.journal,
      terminal: t.terminal,
      monitor,
      recovery: new TerminalRecovery(s.journal, t.terminal, t.log, { pollIntervalMs: 50, giveUpAfterMs: 1_500 }),
      log: t.log,
      onApproved: () => {},
    });
  });
  afterEach(() => s.close());

  // Each test's payments are for one claim; a test that pays again after an approval pays another
  // claim (the kiosk never charges a claim it was already paid for).
  const request = (amountOre = 4500, feeId = '7001') => ({
    channel: 'kiosk' as const,
    patronId: '100004',
    actor: 'kiosk',
    lines: [line(feeId, amountOre)],
  });
  const transitions = (id: string) =>
    (
      s.db.prepare('SELECT to_state FROM payment_transitions WHERE payment_id = ? ORDER BY rowid').all(id) as {
        to_state: string;
      }[]
    ).map((r) => r.to_state);

  it('persists authorizing and the ServiceID before the terminal shows the payment, then approval with its deliveries', async () => {
    let seen: { state: string; requestRef: string | null } | undefined;
    const payment = await checkout.pay(request(), () => {
      if (seen) return;
      const [row] = s.journal.listByState(['authorizing']);
      seen = { state: row!.state, requestRef: row!.terminalRequestRef };
    });
    expect(seen?.state).toBe('authorizing');
    expect(t.simulator.entries('Payment')[0]?.serviceId).toBe(seen?.requestRef);
    expect(payment).toMatchObject({ state: 'approved', card: { scheme: 'visadankort', last4: '0005' } });
    expect(s.outbox.counts().pending).toBe(1);
    // With the approval: the terminal's own time for the transaction and the cardholder's receipt.
    const [charge] = t.simulator.paymentsFor(payment.id);
    expect(s.journal.terminalRecord(payment.id)).toEqual({
      transactionTime: charge!.poiTimeStamp,
      cardholderReceipt: expect.arrayContaining([
        { name: 'CARDHOLDER COPY', value: '', bold: true },
        { name: 'Card', value: '************0005', bold: false },
      ]) as unknown,
    });
  });

  for (const scenario of ['drop', 'slow'] as const) {
    it(`recovers the approval by status after "${scenario}", never sending the payment twice`, async () => {
      t.simulator.queueScenario(scenario);
      const payment = await checkout.pay(request());
      expect(payment.state).toBe('approved');
      expect(transitions(payment.id)).toEqual(['created', 'authorizing', 'unknown', 'approved']);
      const charges = t.simulator.paymentsFor(payment.id);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toMatchObject({ captured: true, poiTransactionId: payment.terminalTransactionRef });
      expect(t.simulator.entries('TransactionStatus').length).toBeGreaterThanOrEqual(1);
      if (scenario === 'slow') {
        // The terminal said "in progress" until the acquirer answered.
        expect(t.simulator.entries('TransactionStatus').length).toBeGreaterThanOrEqual(2);
      }
    });
  }

  it('recovers from a tampered answer the same way', async () => {
    await monitor.check();
    t.simulator.setState({ tamperNextResponse: true });
    const payment = await checkout.pay(request());
    expect(payment.state).toBe('approved');
    expect(t.simulator.paymentsFor(payment.id)).toHaveLength(1);
  });

  it('hands the payment to staff when the terminal cannot say what happened', async () => {
    t.simulator.queueScenario('drop');
    const payment = await checkout.pay(request(), (progress) => {
      // The terminal vanishes mid-payment and does not come back within the give-up time.
      if (progress.step === 'pin-entered') void t.simulator.setReachable(false);
    });
    expect(payment.state).toBe('needs_attention');
    expect(transitions(payment.id)).toEqual(['created', 'authorizing', 'unknown', 'needs_attention']);
  });

  it('refuses to start when the terminal is unreachable or out of service, and persists nothing', async () => {
    await t.simulator.setReachable(false);
    await expect(checkout.pay(request())).rejects.toMatchObject({
      name: 'CardPaymentUnavailableError',
      health: { reason: 'unreachable' },
    });
    await t.simulator.setReachable(true);
    t.simulator.setState({ maintenance: true });
    await expect(checkout.pay(request())).rejects.toBeInstanceOf(CardPaymentUnavailableError);
    expect(monitor.current).toMatchObject({ available: false, reason: 'out-of-service' });
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM payments').get()).toEqual({ n: 0 });
    t.simulator.setState({ maintenance: false });
    expect((await checkout.pay(request())).state).toBe('approved');
  });

  it('declines without recovery when the connection is refused after the last health check', async () => {
    await monitor.check();
    await t.simulator.setReachable(false);
    const payment = await checkout.pay(request());
    expect(payment.state).toBe('declined');
    expect(transitions(payment.id)).toEqual(['created', 'authorizing', 'declined']);
    expect(monitor.current).toMatchObject({ available: false, reason: 'unreachable' });
  });

  it('refuses a second payment while one is in flight', async () => {
    t.simulator.queueScenario('wait-for-pin');
    const first = checkout.pay(request());
    await until('the first payment at the terminal', () => t.simulator.entries('Payment').length === 1);
    await expect(checkout.pay(request())).rejects.toBeInstanceOf(TerminalBusyError);
    await checkout.abort();
    expect((await first).state).toBe('declined');
    expect(t.simulator.entries('Payment')).toHaveLength(1);
  });

  it('closes an intent the journal took just before the disk filled: never sent, never left open', async () => {
    // SQLite's own answer when the disk fills, at the one step that leaves a lone intent behind:
    // after the intent is written and before `authorizing` is (the disk itself: tests/faults/disk-full).
    const diskFull = (): never => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    const paymentIds = () =>
      (s.db.prepare('SELECT id FROM payments ORDER BY rowid').all() as { id: string }[]).map((r) => r.id);

    // The disk is still full when the intent is closed: it stays `created` for now …
    vi.spyOn(s.journal, 'markAuthorizing').mockImplementationOnce(diskFull);
    vi.spyOn(s.journal, 'decline').mockImplementationOnce(diskFull);
    await expect(checkout.pay(request())).rejects.toMatchObject({ name: 'StorageFullError' });
    const [stranded] = paymentIds();
    expect(s.journal.get(stranded!).state).toBe('created');
    // … and is closed before the next payment, which goes through.
    expect((await checkout.pay(request())).state).toBe('approved');
    expect(s.journal.get(stranded!).state).toBe('declined');
    expect(s.journal.declineCode(stranded!)).toBe('abandoned');
    expect(s.journal.latestReason(stranded!)).toMatch(/the journal could not be written/);

    // Room enough for the small write that closes it: closed at once.
    vi.spyOn(s.journal, 'markAuthorizing').mockImplementationOnce(diskFull);
    await expect(checkout.pay(request(4500, '7003'))).rejects.toMatchObject({ name: 'StorageFullError' });
    const closedAtOnce = paymentIds()[2]!;
    expect(transitions(closedAtOnce)).toEqual(['created', 'declined']);
    expect(s.journal.declineCode(closedAtOnce)).toBe('not-sent');

    // The terminal was asked once, for the one payment that went through.
    expect(t.simulator.entries('Payment')).toHaveLength(1);
    expect(s.journal.listByState(['created'])).toEqual([]);
  });

  it('charges nothing and persists nothing when a claim changed since it was shown', async () => {
    const changed = new Checkout({
      journal: s.journal,
      terminal: t.terminal,
      monitor,
      recovery: new TerminalRecovery(s.journal, t.terminal, t.log, { pollIntervalMs: 50, giveUpAfterMs: 500 }),
      log: t.log,
      onApproved: () => {},
      verifyClaims: () => Promise.resolve([{ claimId: 'fbs:7001', kind: 'paid' }]),
    });
    await expect(changed.pay(request())).rejects.toMatchObject({ name: 'ClaimsChangedError' });
    expect(t.simulator.entries('Payment')).toEqual([]);
    expect(s.db.prepare('SELECT COUNT(*) AS n FROM payments').get()).toEqual({ n: 0 });
  });
});

describe('start-up recovery', () => {
  it('resolves every in-doubt payment with the terminal before a new checkout may start', async () => {
    const dir = tempDir('kiosk-recovery-');
    try {
      const config = testConfig(dir.path);
      // A kiosk that crashed: one payment sent and approved by the terminal, one never sent.
      const first = new Core({ config, terminal: t.terminal, packaged: false, log: t.log });
      const sent = first.journal.createIntent(request());
      const sentRef = t.terminal.newRequestRef();
      first.journal.markAuthorizing(sent.id, { requestRef: sentRef });
      t.simulator.queueScenario('slow'); // still in progress when the kiosk restarts
      const charge = t.terminal
        .pay({ paymentId: sent.id, requestRef: sentRef, amountOre: sent.amountOre, currency: 'DKK' })
        .catch(() => null);
      const lost = first.journal.createIntent(request(1000, '7003'));
      first.journal.markAuthorizing(lost.id, { requestRef: t.terminal.newRequestRef() });
      await first.stop();

      const core = new Core({ config, terminal: t.terminal, packaged: false, log: t.log });
      const report = core.start();
      expect(report.inDoubt.map((p) => p.id).sort()).toEqual([sent.id, lost.id].sort());
      await expect(core.checkout.pay(request())).rejects.toMatchObject({ health: { reason: 'recovering' } });
      const recovered = await core.recovered;
      expect(Object.fromEntries(recovered.map((p) => [p.id, p.state]))).toEqual({
        [sent.id]: 'approved',
        [lost.id]: 'declined',
      });
      expect(core.journal.get(sent.id).terminalTransactionRef).toBe(
        t.simulator.paymentsFor(sent.id)[0]?.poiTransactionId,
      );
      expect(t.simulator.paymentsFor(sent.id)).toHaveLength(1);
      expect(t.simulator.paymentsFor(lost.id)).toEqual([]);
      // The claim the crashed kiosk was paid for is not charged again; the one whose request never
      // reached the terminal is free again (declined) and is paid now.
      await expect(core.checkout.pay(request())).rejects.toMatchObject({
        name: 'ClaimsChangedError',
        changes: [{ claimId: 'fbs:7001', kind: 'paid-here' }],
      });
      expect((await core.checkout.pay(request(4500, '7003'))).state).toBe('approved');
      await charge;
      await core.stop();
    } finally {
      dir.remove();
    }
  });

  function request(amountOre = 4500, feeId = '7001') {
    return { channel: 'kiosk' as const, patronId: '100004', actor: 'kiosk', lines: [line(feeId, amountOre)] };
  }
});
