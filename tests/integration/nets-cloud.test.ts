import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Checkout } from '../../core/checkout.js';
import { TerminalMonitor } from '../../core/terminal-monitor.js';
import { TerminalRecovery } from '../../core/terminal-recovery.js';
import { TerminalAudit } from '../../core/terminal-audit.js';
import { type NetsCloudTerminal, type NetsCloudTerminalOptions } from '../../devices/terminal/nets-cloud/driver.js';
import { netsDriverFor } from '../support/nets.js';
import { NetsCloudSimulator } from '../../devices/terminal/nets-cloud/simulator.js';
import { netsTime } from '../../devices/terminal/nets-cloud/wire.js';
import {
  TerminalAnswerLostError,
  TerminalNotReachedError,
  type PaymentTerminal,
} from '../../ports/payment-terminal.js';
import { line, memoryLogger } from '../support/fixtures.js';
import { openStores, type Stores } from '../support/stores.js';
import { until } from '../support/until.js';

/**
 * The Nets Connect@Cloud driver against the project's Connect@Cloud simulator over HTTPS: the
 * held purchase call, token log-in and renewal, the look-up that only ever accepts a transaction
 * that is provably this one, cancel, void of the last transaction — and a checkout with the
 * journal that recovers a lost answer by looking up, never by buying twice.
 */
const TIME_ZONE = 'Europe/Copenhagen';
let sim: NetsCloudSimulator;
let terminal: NetsCloudTerminal;
const { log } = memoryLogger();

beforeAll(async () => {
  sim = new NetsCloudSimulator({ timing: { stepMs: 10, terminalTimeoutMs: 2_000, slowMs: 400 }, timeZone: TIME_ZONE });
  await sim.start();
  terminal = driver();
});
afterAll(async () => {
  await terminal.close();
  await sim.close();
});

function driver(overrides: Partial<NetsCloudTerminalOptions> = {}): NetsCloudTerminal {
  return netsDriverFor(sim, { log, timeZone: TIME_ZONE, ...overrides });
}

const pay = (amountOre: number, on = terminal) => {
  const requestRef = on.newRequestRef();
  const sentAt = new Date().toISOString();
  const paymentId = randomUUID();
  return { requestRef, sentAt, paymentId, result: on.pay({ paymentId, requestRef, amountOre, currency: 'DKK' }) };
};

describe('Nets Connect@Cloud driver against the simulator', () => {
  it('approves: the STAN as reference, the terminal’s time, scheme and last four digits, the customer receipt', async () => {
    const p = pay(4500);
    const outcome = await p.result;
    const [entry] = sim.purchasesFor(p.requestRef);
    expect(entry).toMatchObject({ amountOre: 4500, captured: true, result: 0 });
    expect(outcome).toEqual({
      outcome: 'approved',
      transactionRef: entry!.stan,
      transactionTime: netsTime(entry!.timeStamp, TIME_ZONE)!.toISOString(),
      authorizedOre: 4500,
      card: { scheme: 'Dankort', last4: '0005', approvalCode: entry!.stan },
      cardholderReceipt: expect.arrayContaining([
        { name: 'GODKENDT', value: '', bold: false },
        { name: 'DKK             45,00', value: '', bold: false },
      ]) as unknown,
    });
  });

  for (const [amountOre, reason] of [
    [4501, 'refused'],
    [4502, 'cancelled'],
    [4503, 'card-removed'],
    [4504, 'busy'],
    [4509, 'not-received'],
  ] as const) {
    it(`declines amount ${amountOre} (${reason}) and takes no money`, async () => {
      const p = pay(amountOre);
      expect(await p.result).toMatchObject({ outcome: 'declined', reason });
      expect(sim.purchasesFor(p.requestRef).filter((e) => e.captured)).toEqual([]);
    });
  }

  it('logs in once, and again once when the token has expired — the purchase still goes through once', async () => {
    const fresh = driver();
    try {
      await pay(1000, fresh).result;
      sim.setState({ expireTokens: true });
      const before = sim.unauthorized;
      const p = pay(1100, fresh);
      expect(await p.result).toMatchObject({ outcome: 'approved' });
      expect(sim.unauthorized).toBe(before + 1);
      expect(sim.purchasesFor(p.requestRef)).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('a refused log-in sends nothing: the payment provably never started', async () => {
    const wrong = driver({ password: 'not-the-password' });
    try {
      const p = pay(1200, wrong);
      await expect(p.result).rejects.toBeInstanceOf(TerminalNotReachedError);
      expect(sim.purchasesFor(p.requestRef)).toEqual([]);
    } finally {
      await wrong.close();
    }
  });

  it('the token service down: nothing is sent, card payment unavailable; back up, it pays', async () => {
    const fresh = driver();
    try {
      sim.setState({ loginDown: true });
      const p = pay(1400, fresh);
      await expect(p.result).rejects.toBeInstanceOf(TerminalNotReachedError);
      expect(sim.purchasesFor(p.requestRef)).toEqual([]);
      expect(await fresh.health()).toMatchObject({ available: false });
      sim.setState({ loginDown: false });
      expect(await fresh.health()).toEqual({ available: true });
      expect(await pay(1500, fresh).result).toMatchObject({ outcome: 'approved' });
    } finally {
      sim.setState({ loginDown: false });
      await fresh.close();
    }
  });

  it('the cloud down: a call is never sent twice nor called unsent without proof; back up, the look-up settles it', async () => {
    const own = new NetsCloudSimulator({
      timing: { stepMs: 10, terminalTimeoutMs: 2_000, slowMs: 400 },
      timeZone: TIME_ZONE,
    });
    await own.start();
    const port = Number(new URL(own.url).port);
    const on = driver({
      baseUrl: own.url,
      username: own.username,
      password: own.password,
      caPem: own.caPem,
      terminalId: own.terminalId,
    });
    try {
      expect(await pay(1600, on).result).toMatchObject({ outcome: 'approved' });
      await own.close();
      // The first call may go out on a kept-alive connection the cloud has just closed: then it
      // is in doubt (never "not sent" without proof); a fresh connection is refused: not sent.
      const first = pay(1700, on);
      const firstError = await first.result.catch((error: unknown) => error);
      expect(firstError instanceof TerminalNotReachedError || firstError instanceof TerminalAnswerLostError).toBe(true);
      await expect(pay(1800, on).result).rejects.toBeInstanceOf(TerminalNotReachedError);
      expect(await on.health()).toMatchObject({ available: false, reason: 'unreachable' });
      // Back on the same address: the look-up says the purchase in doubt made no transaction.
      await own.start(port);
      expect(
        await on.status({ paymentId: first.paymentId, requestRef: first.requestRef, sentAt: first.sentAt }),
      ).toEqual({ state: 'not-found' });
      expect(own.ledger).toHaveLength(1);
    } finally {
      await on.close();
      await own.close();
    }
  });

  it('a lost answer ("drop") is a lost answer; the look-up names this orderId: approved, once', async () => {
    const p = pay(4506);
    await expect(p.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    const status = await terminal.status({ paymentId: p.paymentId, requestRef: p.requestRef, sentAt: p.sentAt });
    expect(status).toMatchObject({ state: 'final', outcome: { outcome: 'approved', authorizedOre: 4506 } });
    expect(sim.purchasesFor(p.requestRef)).toHaveLength(1);
  });

  it('result 99 (unknown) is looked up until final; "slow" is in progress until the terminal is done', async () => {
    const unknown = pay(4508);
    await expect(unknown.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    const ask = () =>
      terminal.status({ paymentId: unknown.paymentId, requestRef: unknown.requestRef, sentAt: unknown.sentAt });
    expect(await ask()).toEqual({ state: 'in-progress' });
    expect(await ask()).toEqual({ state: 'in-progress' });
    expect(await ask()).toMatchObject({ state: 'final', outcome: { outcome: 'approved' } });

    const slow = pay(4505);
    await expect(slow.result).rejects.toBeInstanceOf(TerminalAnswerLostError);
    const askSlow = () =>
      terminal.status({ paymentId: slow.paymentId, requestRef: slow.requestRef, sentAt: slow.sentAt });
    expect(await askSlow()).toEqual({ state: 'in-progress' });
    await until('the slow purchase approved', () => sim.purchasesFor(slow.requestRef)[0]?.state === 'final');
    expect(await askSlow()).toMatchObject({ state: 'final', outcome: { outcome: 'approved' } });
  });

  it('never takes another transaction for this one', async () => {
    const earlier = pay(1300);
    await earlier.result;
    // The latest is an approval naming another orderId: this request made none (yet). The
    // recovery takes "not found" as proof only after the in-flight window.
    expect(
      await terminal.status({ paymentId: randomUUID(), requestRef: 'NotThisOne', sentAt: earlier.sentAt }),
    ).toEqual({ state: 'not-found' });
    // A backend that mirrors no orderId: an approval is never taken as this one's…
    sim.setState({ mirrorOrderId: false });
    try {
      expect(
        await terminal.status({ paymentId: randomUUID(), requestRef: 'NoMirror', sentAt: earlier.sentAt }),
      ).toEqual({ state: 'in-progress' });
      // …nor without the time the request was sent; one sent well after it is older: not found.
      expect(await terminal.status({ paymentId: randomUUID(), requestRef: 'NoTime' })).toEqual({
        state: 'in-progress',
      });
      const later = new Date(Date.now() + 60_000).toISOString();
      expect(await terminal.status({ paymentId: randomUUID(), requestRef: 'Later', sentAt: later })).toEqual({
        state: 'not-found',
      });
      // Its own approval, without the orderId, is not proof either: in progress, then staff.
      expect(
        await terminal.status({ paymentId: earlier.paymentId, requestRef: earlier.requestRef, sentAt: earlier.sentAt }),
      ).toEqual({ state: 'in-progress' });
    } finally {
      sim.setState({ mirrorOrderId: true });
    }
  });

  it('a refusal carries no orderId: taken as this request’s only when it is from this request’s time', async () => {
    const p = pay(4501);
    expect(await p.result).toMatchObject({ outcome: 'declined' });
    expect(await terminal.status({ paymentId: p.paymentId, requestRef: p.requestRef, sentAt: p.sentAt })).toMatchObject(
      {
        state: 'final',
        outcome: { outcome: 'declined', reason: 'refused' },
      },
    );
  });

  it('cancels a purchase waiting for the card (administration cancelAction)', async () => {
    const p = pay(4507);
    await until('the purchase at the terminal', () => sim.purchasesFor(p.requestRef).length === 1);
    await terminal.abort(p.paymentId);
    expect(await p.result).toMatchObject({ outcome: 'declined', reason: 'cancelled' });
    expect(sim.purchasesFor(p.requestRef)[0]).toMatchObject({ captured: false });
  });

  it('voids the last transaction when it is this one; refuses once another came after', async () => {
    const first = pay(2000);
    const approved = await first.result;
    if (approved.outcome !== 'approved') throw new Error('expected an approval');
    const original = {
      paymentId: first.paymentId,
      transactionRef: approved.transactionRef,
      transactionTime: approved.transactionTime!,
      amountOre: 2000,
    };
    expect(await terminal.reverse(original)).toEqual({ outcome: 'reversed' });
    expect(sim.purchasesFor(first.requestRef)[0]).toMatchObject({ captured: false, voided: true });

    const second = pay(2100);
    const again = await second.result;
    if (again.outcome !== 'approved') throw new Error('expected an approval');
    await pay(2200).result; // a later transaction: the second is no longer the terminal's last
    expect(
      await terminal.reverse({
        paymentId: second.paymentId,
        transactionRef: again.transactionRef,
        transactionTime: again.transactionTime!,
        amountOre: 2100,
      }),
    ).toMatchObject({ outcome: 'refused', detail: expect.stringContaining('last transaction') });
    expect(sim.purchasesFor(second.requestRef)[0]).toMatchObject({ captured: true });
  });
});

describe('checkout with the Nets driver and the journal', () => {
  let s: Stores;
  let checkout: Checkout;
  beforeEach(() => {
    s = openStores();
    checkout = new Checkout({
      journal: s.journal,
      terminal,
      monitor: new TerminalMonitor(terminal, log, 60_000),
      recovery: new TerminalRecovery(s.journal, terminal, log, { pollIntervalMs: 50, giveUpAfterMs: 3_000 }),
      log,
      onApproved: () => {},
    });
  });
  afterEach(() => s.close());

  const request = (amountOre: number, feeId: string) => ({
    channel: 'kiosk' as const,
    patronId: '100004',
    actor: 'kiosk',
    lines: [line(feeId, amountOre)],
  });

  it('approves with the orderId persisted before the call and the customer receipt kept', async () => {
    const payment = await checkout.pay(request(3000, '7101'));
    expect(payment.state).toBe('approved');
    const [entry] = sim.purchasesFor(payment.terminalRequestRef!);
    expect(entry).toMatchObject({ captured: true, amountOre: 3000 });
    expect(payment.terminalTransactionRef).toBe(entry!.stan);
    expect(s.journal.terminalRecord(payment.id).cardholderReceipt).toContainEqual({
      name: 'GODKENDT',
      value: '',
      bold: false,
    });
  });

  it('the day’s check against the terminal’s record is not run: Nets tells only its latest transaction', async () => {
    const first = await checkout.pay(request(3100, '7301'));
    const second = await checkout.pay(request(3200, '7302'));
    expect([first.state, second.state]).toEqual(['approved', 'approved']);
    const later = () => Date.now() + 60 * 60_000; // both well out of flight
    const audit = (t: PaymentTerminal) =>
      new TerminalAudit({ journal: s.journal, terminal: t, log, intervalMs: 60_000, now: later }).runDue();
    expect(await audit(terminal)).toEqual({ checked: 0, flagged: [], resolved: [] });
    expect(s.journal.terminalChecks.get(first.id)).toBeNull();
    // What it would say: the first payment "not found", though Nets took the money for it.
    const asIfItKeptEverything = Object.create(terminal, { latestOnly: { value: false } }) as PaymentTerminal;
    expect((await audit(asIfItKeptEverything)).checked).toBeGreaterThan(0);
    expect(s.journal.terminalChecks.get(first.id)).toMatchObject({ outcome: 'not-found' });
  });

  for (const [amountOre, scenario] of [
    [3006, 'drop'],
    [3008, 'unknown-then-final'],
  ] as const) {
    it(`recovers the approval by look-up after "${scenario}", never buying twice`, async () => {
      const payment = await checkout.pay(request(amountOre, `72${amountOre}`));
      expect(payment.state).toBe('approved');
      const purchases = sim.purchasesFor(payment.terminalRequestRef!);
      expect(purchases).toHaveLength(1);
      expect(purchases[0]).toMatchObject({ captured: true });
      expect(payment.terminalTransactionRef).toBe(purchases[0]!.stan);
    });
  }
});
