import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Payment } from '../../contract/index.js';
import type { PaymentJournal } from '../../db/journal.js';
import type { Db } from '../../db/open.js';
import type { PaymentTerminal, TerminalStatus } from '../../ports/payment-terminal.js';
import { runDiagnostics } from '../../app/diagnostics.js';
import { Reconciliation } from '../../core/reconciliation.js';
import { TerminalAudit } from '../../core/terminal-audit.js';
import { TerminalRecovery } from '../../core/terminal-recovery.js';
import { checkInvariants, PAYMENTS, runChild, startSandboxes, type Sandboxes } from '../faults/harness.js';
import { MAX_TRANSIT_MS, startTestCore } from '../faults/test-core.js';
import { line, memoryLogger, tempDir } from '../support/fixtures.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';
import { openStores } from '../support/stores.js';
import { until } from '../support/until.js';

/**
 * A payment request stalled on the wire while the kiosk dies (the independent crash harness's
 * finding): the kiosk is killed while its request is held by a stalling proxy in front of the
 * terminal simulator; the restarted kiosk asks the terminal about it on a new connection, is told
 * "not found" — and the stalled request then arrives and the terminal charges the card.
 * "Not found" right after a restart proves nothing: the payment stays in doubt until the request
 * can no longer arrive. A request stalled even longer than that is caught by the terminal check.
 */
const TERMINAL_TIMEOUT_MS = 800; // the simulator's in the harness
const WINDOW_MS = MAX_TRANSIT_MS + TERMINAL_TIMEOUT_MS;

let sandboxes: Sandboxes;
let proxy: StallingProxy;
beforeAll(async () => {
  sandboxes = await startSandboxes();
  proxy = await startStallingProxy(sandboxes.terminal.url, sandboxes.terminal.caPem, sandboxes.terminal.poiId);
});
afterAll(async () => {
  await proxy.close();
  await sandboxes.close();
});

describe('a payment request stalled on the wire past a restart', () => {
  it('shorter than the in-flight window: kept in doubt, then approved from the terminal — never recorded as declined', async () => {
    const dir = tempDir('kiosk-stall-');
    try {
      sandboxes.reset();
      const env = { ...sandboxes.env(dir.path), TERMINAL_URL: proxy.url, TERMINAL_CA_PEM: proxy.caPem };
      proxy.stallNext('Payment', Math.round(WINDOW_MS * 0.6));
      const held = proxy.held();
      const crashed = runChild({ ...env, PAYMENTS: JSON.stringify([PAYMENTS[2]]) }, { killOn: held });
      expect((await crashed).signal).toBe('SIGKILL');
      expect(sandboxes.terminal.entries('Payment')).toEqual([]); // still on the wire

      const { log } = memoryLogger('fatal');
      const restarted = await startTestCore(env, log);
      try {
        const report = restarted.core.start();
        expect(report.inDoubt).toHaveLength(1);
        const [recovered] = await restarted.core.recovered;
        expect(recovered!.state).toBe('approved');
        const states = transitions(restarted.core.db, recovered!.id);
        expect(states).toEqual(['created', 'authorizing', 'approved']);
        // It was asked while the terminal did not know the request yet, and did not conclude.
        const audit = restarted.core.db
          .prepare("SELECT action FROM audit_log WHERE subject = ? AND action LIKE 'recovery.%'")
          .all(recovered!.id);
        expect(audit).toEqual(expect.arrayContaining([{ action: 'recovery.not-found-too-early' }]));
        expect(sandboxes.terminal.paymentsFor(recovered!.id)).toEqual([expect.objectContaining({ captured: true })]);
        await until('the payment registered', () => restarted.core.journal.get(recovered!.id).state === 'settled');
      } finally {
        await restarted.close();
      }
      await proxy.drained();
      expect(checkInvariants(dir.path, sandboxes)).toEqual([]);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('longer than the window: declined when it could no longer arrive, then the terminal check finds the capture and sends it to staff', async () => {
    const dir = tempDir('kiosk-stall-late-');
    try {
      sandboxes.reset();
      const env = { ...sandboxes.env(dir.path), TERMINAL_URL: proxy.url, TERMINAL_CA_PEM: proxy.caPem };
      proxy.stallNext('Payment', WINDOW_MS + 1_500);
      const held = proxy.held();
      expect((await runChild({ ...env, PAYMENTS: JSON.stringify([PAYMENTS[2]]) }, { killOn: held })).signal).toBe(
        'SIGKILL',
      );
      const { log } = memoryLogger('fatal');
      const restarted = await startTestCore(env, log);
      try {
        restarted.core.start();
        const [recovered] = await restarted.core.recovered;
        expect(recovered!.state).toBe('declined');
        expect(restarted.core.journal.declineCode(recovered!.id)).toBe('not-received');
        expect(restarted.core.journal.latestReason(recovered!.id)).toMatch(/could no longer arrive/);
        // The request arrives after all; the terminal charges the card.
        await proxy.drained();
        await until(
          'the late request captured',
          () => sandboxes.terminal.paymentsFor(recovered!.id)[0]?.captured === true,
        );
        const capture = sandboxes.terminal.paymentsFor(recovered!.id)[0]!;

        const result = await restarted.core.terminalAudit.runDue();
        expect(result.flagged).toEqual([recovered!.id]);
        const flagged = restarted.core.journal.get(recovered!.id);
        expect(flagged).toMatchObject({ state: 'needs_attention', terminalTransactionRef: capture.poiTransactionId });

        // The day report: the capture is counted and listed for staff; card total = the terminal's.
        const reconciliation = new Reconciliation(restarted.core.journal, restarted.core.outbox, 'Europe/Copenhagen');
        const day = reconciliation.day(reconciliation.today());
        expect(day.balanced).toBe(false);
        expect(day.mismatches.map((m) => m.kind)).toEqual(['needs-attention']);
        expect(day.totals.netCardOre).toBe(capture.amountOre);
        expect(day.totals.terminal).toEqual({
          checked: 1,
          unchecked: 0,
          capturedOre: capture.amountOre,
          journalOre: capture.amountOre,
        });
        const entry = day.payments[0]!;
        expect(entry.actions).toEqual(expect.arrayContaining(['void', 'resolve-charged']));

        // kiosk doctor fails on it until staff settle it.
        const checks = await runDiagnostics({
          db: restarted.core.db,
          dataDir: dir.path,
          minFreeDiskMb: 1,
          fbs: { description: 'x', check: () => Promise.resolve('ok') },
          oeir: { link: null, problems: [], certificate: null } as never,
          terminal: { description: 'x', health: () => Promise.resolve({ available: true }) },
          mobilepay: null,
          printer: { description: 'x', status: () => Promise.resolve({ state: 'ready', detail: '' }) as never },
          scanners: () => [],
        });
        expect(checks.find((c) => c.part === 'reconciliation')).toMatchObject({ level: 'broken' });
      } finally {
        await restarted.close();
      }
    } finally {
      dir.remove();
    }
  }, 60_000);
});

describe('recovery rules for "not found"', () => {
  const stores = () => openStores();

  function terminalAnswering(answers: TerminalStatus[], options: { windowMs: number; fence?: boolean }) {
    const asked: string[] = [];
    const terminal: PaymentTerminal = {
      inFlightWindowMs: options.windowMs,
      newRequestRef: () => 'Ref0000001',
      health: () => Promise.resolve({ available: true }),
      pay: () => Promise.reject(new Error('never sent again')),
      abort: () => Promise.resolve(),
      status: () => {
        asked.push('status');
        return Promise.resolve(answers.length > 1 ? answers.shift()! : answers[0]!);
      },
      reverse: () => Promise.resolve({ outcome: 'refused', detail: 'n/a' }),
      close: () => Promise.resolve(),
      ...(options.fence
        ? {
            preventStart: () => {
              asked.push('prevent-start');
              return Promise.resolve('fenced' as const);
            },
          }
        : {}),
    };
    return { terminal, asked };
  }

  function inDoubt(journal: PaymentJournal): Payment {
    const intent = journal.createIntent({ channel: 'kiosk', patronId: 'p', lines: [line('1', 100)], actor: 'kiosk' });
    return journal.markAuthorizing(intent.id, { requestRef: 'Ref0000001' });
  }

  it('"not found" within the window is asked again once the window has closed', async () => {
    const s = stores();
    try {
      const { terminal, asked } = terminalAnswering([{ state: 'not-found' }], { windowMs: 300 });
      const recovery = new TerminalRecovery(s.journal, terminal, memoryLogger().log, {
        pollIntervalMs: 20,
        giveUpAfterMs: 5_000,
      });
      const payment = inDoubt(s.journal);
      const started = Date.now();
      const resolved = await recovery.resolve(payment);
      expect(resolved.state).toBe('declined');
      expect(asked).toEqual(['status', 'status']);
      expect(Date.now() - Date.parse(s.journal.authorizingAt(payment.id)!)).toBeGreaterThanOrEqual(300);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      s.close();
    }
  });

  it('a driver that can prevent the request from starting: fenced first, then "not found" is proof at once', async () => {
    const s = stores();
    try {
      const { terminal, asked } = terminalAnswering([{ state: 'not-found' }], { windowMs: 60_000, fence: true });
      const audit: string[] = [];
      const recovery = new TerminalRecovery(
        s.journal,
        terminal,
        memoryLogger().log,
        { pollIntervalMs: 20, giveUpAfterMs: 5_000 },
        Date.now,
        (entry) => audit.push(entry.action),
      );
      const resolved = await recovery.resolve(inDoubt(s.journal));
      expect(resolved.state).toBe('declined');
      expect(asked).toEqual(['status', 'prevent-start', 'status']);
      expect(audit).toEqual(['recovery.start-prevented']);
      expect(s.journal.latestReason(resolved.id)).toMatch(/start prevented first/);
    } finally {
      s.close();
    }
  });

  it('a clock set back since the request was sent: the window counts from now, not from a time in the future', async () => {
    let offset = 26 * 60 * 60 * 1000; // sent while the clock was a day and two hours ahead
    const s = openStores(() => Date.now() + offset);
    try {
      const { terminal, asked } = terminalAnswering([{ state: 'not-found' }], { windowMs: 300 });
      const payment = inDoubt(s.journal);
      offset = 0; // NTP corrects the clock
      const recovery = new TerminalRecovery(s.journal, terminal, memoryLogger().log, {
        pollIntervalMs: 20,
        giveUpAfterMs: 5_000,
      });
      const started = Date.now();
      expect((await recovery.resolve(payment)).state).toBe('declined');
      expect(asked).toEqual(['status', 'status']);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      s.close();
    }
  });

  it('a request that turns up while it is kept in doubt is recorded as the terminal says', async () => {
    const s = stores();
    try {
      const { terminal } = terminalAnswering(
        [
          { state: 'not-found' },
          { state: 'in-progress' },
          {
            state: 'final',
            outcome: {
              outcome: 'approved',
              transactionRef: `TX-${randomUUID()}`,
              transactionTime: new Date().toISOString(),
              authorizedOre: 100,
              card: { scheme: null, last4: null, approvalCode: null },
              cardholderReceipt: null,
            },
          },
        ],
        { windowMs: 200 },
      );
      const recovery = new TerminalRecovery(s.journal, terminal, memoryLogger().log, {
        pollIntervalMs: 20,
        giveUpAfterMs: 5_000,
      });
      expect((await recovery.resolve(inDoubt(s.journal))).state).toBe('approved');
    } finally {
      s.close();
    }
  });
});

describe('the terminal check settles what the recovery could not', () => {
  const approvedBy = (ref: string, authorizedOre: number): TerminalStatus => ({
    state: 'final',
    outcome: {
      outcome: 'approved',
      transactionRef: ref,
      transactionTime: new Date().toISOString(),
      authorizedOre,
      card: { scheme: null, last4: null, approvalCode: null },
      cardholderReceipt: null,
    },
  });

  it('a payment with staff because the terminal could not say in time: approved and registered, declined, or left with staff', async () => {
    const s = openStores();
    try {
      const answers = new Map<string, TerminalStatus>();
      const terminal: PaymentTerminal = {
        inFlightWindowMs: 0,
        newRequestRef: () => 'x',
        health: () => Promise.resolve({ available: true }),
        pay: () => Promise.reject(new Error('never')),
        abort: () => Promise.resolve(),
        status: ({ paymentId }) => Promise.resolve(answers.get(paymentId) ?? { state: 'not-found' }),
        reverse: () => Promise.resolve({ outcome: 'refused', detail: 'n/a' }),
        close: () => Promise.resolve(),
      };
      const couldNotSay = (feeId: string, amountOre: number): Payment => {
        const intent = s.journal.createIntent({
          channel: 'kiosk',
          patronId: '100002',
          lines: [line(feeId, amountOre)],
          actor: 'kiosk',
        });
        s.journal.markAuthorizing(intent.id, { requestRef: `R${feeId}` });
        return s.journal.flagForStaff(intent.id, 'the terminal could not say what happened: still in progress');
      };
      const captured = couldNotSay('1', 3000);
      const failed = couldNotSay('2', 4000);
      const partial = couldNotSay('3', 5000);
      answers.set(captured.id, approvedBy('TX-LATE-1', 3000));
      answers.set(failed.id, { state: 'final', outcome: { outcome: 'declined', reason: 'refused' } });
      answers.set(partial.id, approvedBy('TX-PART-3', 2500));
      let woken = 0;
      const audit = new TerminalAudit({
        journal: s.journal,
        terminal,
        log: memoryLogger('fatal').log,
        intervalMs: 60_000,
        now: Date.now,
        onApproved: () => (woken += 1),
      });
      const result = await audit.runDue();
      expect([...result.resolved].sort()).toEqual([captured.id, failed.id].sort());
      expect(s.journal.get(captured.id)).toMatchObject({ state: 'approved', terminalTransactionRef: 'TX-LATE-1' });
      expect(s.outbox.listForPayment(captured.id).map((r) => r.target)).toEqual(['fbs.payment']);
      expect(woken).toBe(1);
      expect(s.journal.get(failed.id).state).toBe('declined');
      // Another amount than asked: not guessed at, still with staff (and on the day report).
      expect(s.journal.get(partial.id).state).toBe('needs_attention');
      expect(s.journal.terminalChecks.get(partial.id)).toMatchObject({ outcome: 'captured', capturedOre: 2500 });
    } finally {
      s.close();
    }
  });

  it('a payment made while the clock was ahead is still checked once the clock is corrected', async () => {
    let offset = 26 * 60 * 60 * 1000;
    const s = openStores(() => Date.now() + offset);
    try {
      const intent = s.journal.createIntent({
        channel: 'kiosk',
        patronId: '100002',
        lines: [line('1', 3000)],
        actor: 'kiosk',
      });
      s.journal.markAuthorizing(intent.id, { requestRef: 'R1' });
      const couldNotSay = s.journal.flagForStaff(intent.id, 'the terminal could not say what happened');
      offset = 0;
      const terminal: PaymentTerminal = {
        inFlightWindowMs: 60_000,
        newRequestRef: () => 'x',
        health: () => Promise.resolve({ available: true }),
        pay: () => Promise.reject(new Error('never')),
        abort: () => Promise.resolve(),
        status: () => Promise.resolve(approvedBy('TX-AHEAD', 3000)),
        reverse: () => Promise.resolve({ outcome: 'refused', detail: 'n/a' }),
        close: () => Promise.resolve(),
      };
      const audit = new TerminalAudit({
        journal: s.journal,
        terminal,
        log: memoryLogger('fatal').log,
        intervalMs: 60_000,
        now: Date.now,
      });
      expect((await audit.runDue()).resolved).toEqual([couldNotSay.id]);
      expect(s.journal.get(couldNotSay.id)).toMatchObject({ state: 'approved', terminalTransactionRef: 'TX-AHEAD' });
    } finally {
      s.close();
    }
  });
});

function transitions(db: Db, id: string): string[] {
  return (
    db.prepare('SELECT to_state FROM payment_transitions WHERE payment_id = ? ORDER BY rowid').all(id) as {
      to_state: string;
    }[]
  ).map((r) => r.to_state);
}
