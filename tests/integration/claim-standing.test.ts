import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SessionView } from '../../contract/index.js';
import { bootKiosk, type Kiosk } from '../../app/boot.js';
import { parseConfig } from '../../config/config.js';
import { memoryLogger, tempDir } from '../support/fixtures.js';
import { until } from '../support/until.js';

/**
 * The kiosk's own journal as a source of truth for what it has been paid, through the borrower's
 * screen (the session state machine) of the demo kiosk, against the FBS and ØiR sandboxes and the
 * terminal simulator over real sockets. FBS keeps listing a claim the kiosk was paid for while
 * the registration waits (FBS or ØiR down) and, for debtor-route claims, for up to ~72 h after
 * the debtor system has it: the same borrower scanning again must see it paid, never pay twice.
 */
let kiosk: Kiosk | null = null;
const dir = tempDir();
afterEach(async () => {
  await kiosk?.stop();
  kiosk = null;
});
afterAll(() => dir.remove());

async function boot(
  overrides: Record<string, unknown> = {},
  dataDir = tempDir('kiosk-standing-').path,
): Promise<Kiosk> {
  const config = parseConfig({
    terminal: { simulatorStepMs: 10, statusPollMs: 50 },
    outbox: { baseBackoffMs: 20, maxBackoffMs: 200, pollIntervalMs: 20 },
    // Quick to give up on a dead ØiR in these tests (production: 5 failures, 30 s).
    oeir: { timeoutMs: 1_000, breaker: { failuresToOpen: 1, halfOpenAfterMs: 60_000 } },
    log: { level: 'fatal' },
    ...overrides,
  });
  kiosk = await bootKiosk({ ...config, dataDir }, { packaged: false, log: memoryLogger('fatal').log });
  await kiosk.core.recovered;
  return kiosk;
}

type ClaimsView = Extract<SessionView, { screen: 'claims' }>;

function screen(k: Kiosk): SessionView {
  return k.session.current().view;
}

/** Card and PIN at the kiosk, as a borrower: the claims screen. */
async function claimsFor(k: Kiosk, card: string, pin: string): Promise<ClaimsView> {
  await k.session.command({ type: 'session.reset' });
  await k.session.command({ type: 'session.identify', cardNumber: card });
  await k.session.command({ type: 'session.authenticate', pin });
  return until('the claims screen', () => {
    const view = screen(k);
    return view.screen === 'claims' ? view : null;
  });
}

async function payAll(k: Kiosk): Promise<SessionView> {
  await k.session.command({ type: 'checkout.pay' });
  return until('the end of the payment', () => {
    const view = screen(k);
    return view.screen === 'paying' || view.screen === 'loading' ? null : view;
  });
}

const noteOf = (view: ClaimsView, feeId: string) => view.notes.find((n) => n.claimId === `fbs:${feeId}`)?.kind ?? null;

describe("the kiosk's journal decides what it was already paid for", () => {
  it('FBS registration waiting: the same borrower sees the claims as paid, cannot choose them, and is never charged twice — also after a restart', async () => {
    const dataDir = tempDir('kiosk-standing-restart-').path;
    let k = await boot({}, dataDir);
    const fbs = k.sandboxes.fbs!;
    fbs.setFaults({ status: { code: 503, times: 1_000_000 }, pathIncludes: '/payment/v2' });
    const first = await claimsFor(k, '1000000002', '2222');
    expect(first.selected).toEqual(['fbs:5001', 'fbs:5002']);
    expect((await payAll(k)).screen).toBe('approved');
    // Waiting to be registered: queued, or out on a retry that FBS refuses (never delivered).
    const waiting = k.core.outbox.counts();
    expect({ waiting: waiting.pending + waiting.sending, delivered: waiting.delivered }).toEqual({
      waiting: 1,
      delivered: 0,
    });

    const again = await claimsFor(k, '1000000002', '2222');
    expect(again.claims.map((c) => c.feeId)).toEqual(['5001', '5002']); // FBS still lists them
    expect([noteOf(again, '5001'), noteOf(again, '5002')]).toEqual(['paid', 'paid']);
    expect(again.selected).toEqual([]);
    expect(again.totalOre).toBe(0);
    await expect(k.session.command({ type: 'checkout.select', claimIds: ['fbs:5001'] })).rejects.toThrow(
      /not payable here/,
    );
    await expect(k.session.command({ type: 'checkout.pay' })).rejects.toThrow(/nothing chosen|choose at least one/);

    await k.stop();
    kiosk = null;
    k = await boot({}, dataDir);
    k.sandboxes.fbs!.setFaults({ status: { code: 503, times: 1_000_000 }, pathIncludes: '/payment/v2' });
    const afterRestart = await claimsFor(k, '1000000002', '2222');
    expect([noteOf(afterRestart, '5001'), noteOf(afterRestart, '5002')]).toEqual(['paid', 'paid']);
    // One charge at the terminal in all.
    const charged = k.core.journal.listByState(['approved', 'settled']);
    expect(charged).toHaveLength(1);
  });

  it('ØiR down while its registration waits (policy accept-and-queue): paid, shown as paid, charged once', async () => {
    const k = await boot({ oeir: { offlinePolicy: 'accept-and-queue', cutOffDate: '2025-01-01', timeoutMs: 1_000 } });
    k.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    const view = await claimsFor(k, '1000000003', '3333');
    // Unconfirmed, but this kiosk is set to take it anyway: a warning, still selectable.
    expect(noteOf(view, '6001')).toBe('unconfirmed');
    expect((await payAll(k)).screen).toBe('approved');
    const again = await claimsFor(k, '1000000003', '3333');
    expect(noteOf(again, '6001')).toBe('paid');
    expect(again.selected).toEqual([]);
    expect(k.terminal.simulator!.entries('Payment').filter((e) => e.captured)).toHaveLength(1);
  });

  it('ØiR up: a debtor-route claim paid here stays listed by FBS (its view lags), and shows as paid, not as a change', async () => {
    const k = await boot();
    await claimsFor(k, '1000000003', '3333');
    expect((await payAll(k)).screen).toBe('approved');
    await until('the ØiR registration', () => k.oeir.sandbox!.ledger.size === 1);
    const again = await claimsFor(k, '1000000003', '3333');
    expect(again.notice).toBeNull();
    expect(noteOf(again, '6001')).toBe('paid');
    expect(again.notes[0]!.paidAt).toEqual(expect.any(String));
  });

  it('paid in the debtor system elsewhere: shown as paid at once (FBS does not know yet), no loop through "changed"', async () => {
    const k = await boot();
    await k.oeir.link!.pay({
      paymentId: randomUUID(),
      amountOre: 24995,
      paidAt: new Date().toISOString(),
      terminalTransactionRef: 'ONLINE-1',
      claims: [{ feeId: '6001', amountOre: 24995 }],
    });
    const view = await claimsFor(k, '1000000003', '3333');
    expect(noteOf(view, '6001')).toBe('paid');
    expect(view.selected).toEqual([]);
    expect(k.terminal.simulator!.entries('Payment')).toEqual([]);
  });

  it('paid elsewhere between the list and "pay": nothing charged, the list comes back with the claim marked', async () => {
    const k = await boot();
    const view = await claimsFor(k, '1000000003', '3333');
    expect(view.selected).toEqual(['fbs:6001']);
    await k.oeir.link!.pay({
      paymentId: randomUUID(),
      amountOre: 24995,
      paidAt: new Date().toISOString(),
      terminalTransactionRef: 'COUNTER-9',
      claims: [{ feeId: '6001', amountOre: 24995 }],
    });
    const after = await payAll(k);
    expect(after).toMatchObject({ screen: 'claims', notice: 'claims-changed', selected: [] });
    expect(noteOf(after as ClaimsView, '6001')).toBe('paid');
    expect(k.terminal.simulator!.entries('Payment')).toEqual([]);
  });

  it('debtor system unreachable, default policy: not payable at the kiosk, payable at the counter with a warning', async () => {
    const k = await boot();
    k.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    const atKiosk = await claimsFor(k, '1000000004', '4444');
    expect(noteOf(atKiosk, '7002')).toBe('not-payable-now');
    expect(noteOf(atKiosk, '7001')).toBeNull(); // an FBS-route claim is unaffected
    expect(atKiosk.selected).not.toContain('fbs:7002');
    await expect(k.session.command({ type: 'checkout.select', claimIds: ['fbs:7002'] })).rejects.toThrow(
      /not payable here/,
    );

    await k.session.command({ type: 'session.reset' });
    await k.session.counter('1000000004', 'staff:personale');
    const atCounter = await until('the counter claims', () => {
      const v = screen(k);
      return v.screen === 'claims' ? v : null;
    });
    expect(noteOf(atCounter, '7002')).toBe('unconfirmed');
    expect(atCounter.selected).toContain('fbs:7002');
  });

  it('accept-and-queue charges an unconfirmed claim only when it is newer than the cut-off date; an older one is never charged unconfirmed', async () => {
    // Cut-off 2025-07-01: 7002 (created 2025-09-05) lives in the debtor system; 6001 (2025-06-02)
    // is older, so FBS marking it not payable means something else, and it is not charged.
    const k = await boot({ oeir: { offlinePolicy: 'accept-and-queue', cutOffDate: '2025-07-01', timeoutMs: 1_000 } });
    k.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    const older = await claimsFor(k, '1000000003', '3333');
    expect(noteOf(older, '6001')).toBe('not-payable-now');
    await expect(k.session.command({ type: 'checkout.select', claimIds: ['fbs:6001'] })).rejects.toThrow(
      /not payable here/,
    );
    const newer = await claimsFor(k, '1000000004', '4444');
    expect(noteOf(newer, '7002')).toBe('unconfirmed');
    expect(newer.selected).toContain('fbs:7002');
    expect(k.terminal.simulator!.entries('Payment')).toEqual([]);
    // Without a cut-off date, accept-and-queue cannot be chosen at all.
    expect(() => parseConfig({ oeir: { offlinePolicy: 'accept-and-queue' } })).toThrow(/cutOffDate/);
  });

  it('confirmed open moments ago, then ØiR fails: the kiosk still charges it (within the confirmation time), once', async () => {
    const k = await boot({ oeir: { confirmationValidMinutes: 10, timeoutMs: 1_000 } });
    const view = await claimsFor(k, '1000000003', '3333');
    expect(view.notes).toEqual([]);
    k.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    expect((await payAll(k)).screen).toBe('approved');
  });

  it('confirmation too old (0 minutes allowed): refused at the kiosk before the terminal is asked, the list says why', async () => {
    const k = await boot({ oeir: { confirmationValidMinutes: 0, timeoutMs: 1_000 } });
    await claimsFor(k, '1000000003', '3333');
    k.oeir.sandbox!.setFaults({ status: { code: 503, times: 1_000_000 } });
    const after = await payAll(k);
    expect(after).toMatchObject({ screen: 'claims', notice: 'claims-changed', selected: [] });
    expect(noteOf(after as ClaimsView, '6001')).toBe('not-payable-now');
    expect(k.terminal.simulator!.entries('Payment')).toEqual([]);
  });
});
