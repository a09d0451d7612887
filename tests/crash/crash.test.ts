import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { armFaultPointFromEnv, disarmFaultPoints, FAULT_POINTS, type FaultPoint } from '../../base/faults.js';
import { tempDir } from '../support/fixtures.js';
import {
  checkInvariants,
  oeirRequestIds,
  PAYMENTS,
  runChild,
  startSandboxes,
  type RunResult,
  type Sandboxes,
} from '../faults/harness.js';

/**
 * Kills the real core (a child process) with SIGKILL at each fault point on the payment and
 * delivery path, restarts it on the same database, and checks that nothing was lost or doubled.
 * Each point once, at a fixed moment, with proof that the named scenario happened; the fault
 * matrix (`npm run test:faults`) repeats every point with randomised timing.
 */
let sandboxes: Sandboxes;
beforeAll(async () => {
  sandboxes = await startSandboxes();
});
afterAll(async () => {
  await sandboxes.close();
});

describe('crash safety: SIGKILL at every fault point', () => {
  it('covers every fault point in this test', () => {
    expect(FAULT_POINTS.length).toBeGreaterThanOrEqual(11);
  });

  for (const point of FAULT_POINTS.filter((p) => !p.startsWith('mobilepay.'))) {
    it(`loses and doubles nothing when killed at ${point}`, async () => {
      await crashAndRecover(point);
    });
  }
  // MobilePay's own point (approved in the app, not yet captured) runs in the fault matrix's
  // `mobilepay:` rows, which pay through the ePayment sandbox.
});

async function crashAndRecover(point: FaultPoint): Promise<void> {
  const dir = tempDir('kiosk-crash-');
  sandboxes.reset();
  // The answer to the first payment is lost, so the checkout goes through `unknown` and recovery.
  if (point === 'checkout.after-unknown-persisted') sandboxes.terminal.queueScenario('drop');
  const env = sandboxes.env(dir.path);
  try {
    const crashed = await runChild({ ...env, KIOSK_FAULT_POINT: point, PAYMENTS: JSON.stringify(PAYMENTS) });
    expect(crashed.signal, `the core should die at ${point}; stderr: ${crashed.stderr}`).toBe('SIGKILL');

    const restarted = await runChild({ ...env, PAYMENTS: '[]' });
    expect(restarted.code, restarted.stderr).toBe(0);
    const started = restarted.events.find((e) => e.event === 'started')!;
    expect(started.auditOk).toBe(true);
    // Every payment in doubt at start-up was resolved with the terminal before anything else.
    const recovered = restarted.events.find((e) => e.event === 'recovered')!.states as Record<string, string>;
    expect(Object.keys(recovered).sort()).toEqual([...(started.inDoubt as string[])].sort());
    expectScenario(point, started, restarted);
    expect(checkInvariants(dir.path, sandboxes)).toEqual([]);
  } finally {
    dir.remove();
  }
}

function recoveredStates(run: RunResult): Record<string, string> {
  return run.events.find((e) => e.event === 'recovered')!.states as Record<string, string>;
}

/** Each kill point leaves its own trace: proof that the scenario happened as named. */
function expectScenario(point: FaultPoint, started: Record<string, unknown>, restarted: RunResult): void {
  const abandoned = started.abandoned as string[];
  const inDoubt = started.inDoubt as string[];
  const { terminal, oeir, fbs } = sandboxes;
  const oeirIds = oeirRequestIds(oeir);
  const oeirRetried = oeirIds.some((id, i) => oeirIds.indexOf(id) !== i);
  const fbsOrders = fbs.exchanges
    .filter((e) => e.operation === 'payFeesV2')
    .map((e) => (e.request as { orderId: string }).orderId);
  const fbsRetried = fbsOrders.some((order, i) => fbsOrders.indexOf(order) !== i);
  const retried = oeirRetried || fbsRetried;
  const delivered = oeir.sandbox.ledger.size + fbs.ledger.length;
  switch (point) {
    case 'checkout.after-intent-persisted':
      expect(abandoned).toHaveLength(1);
      expect(terminal.entries('Payment')).toEqual([]);
      break;
    case 'checkout.after-authorizing-persisted':
      // Authorizing was persisted but the request never sent: the terminal says "not found".
      expect(inDoubt).toHaveLength(1);
      expect(terminal.entries('Payment')).toEqual([]);
      expect(recoveredStates(restarted)).toEqual({ [inDoubt[0]!]: 'declined' });
      break;
    case 'checkout.after-request-sent':
    case 'checkout.after-unknown-persisted':
    case 'checkout.after-terminal-approved':
      // The terminal took the money; the kiosk died before writing it down. Status recovers it.
      expect(inDoubt).toHaveLength(1);
      expect(terminal.paymentsFor(inDoubt[0]!)).toEqual([expect.objectContaining({ captured: true })]);
      expect(recoveredStates(restarted)).toEqual({ [inDoubt[0]!]: 'approved' });
      expect(terminal.entries('TransactionStatus').length).toBeGreaterThan(0);
      break;
    case 'checkout.after-journal-approved':
    case 'outbox.after-lease':
      expect(inDoubt).toEqual([]);
      expect(delivered).toBeGreaterThan(0);
      break;
    case 'outbox.after-remote-call':
    case 'fbs.after-registered':
    case 'oeir.after-registered':
      // The remote had the registration; the restart sent it again with the same key.
      expect(retried).toBe(true);
      break;
    case 'outbox.after-mark-delivered':
      expect(delivered).toBeGreaterThan(0);
      break;
  }
  expect(restarted.events.some((e) => e.event === 'drained')).toBe(true);
}

describe('fault points', () => {
  it('cannot be armed in a packaged build', () => {
    expect(armFaultPointFromEnv({ KIOSK_FAULT_POINT: 'outbox.after-lease' }, true)).toBeNull();
  });

  it('reads the chosen hit and delay, and refuses nonsense', () => {
    expect(
      armFaultPointFromEnv(
        { KIOSK_FAULT_POINT: 'fbs.after-registered', KIOSK_FAULT_HIT: '3', KIOSK_FAULT_DELAY_MS: '40' },
        false,
      ),
    ).toEqual({ point: 'fbs.after-registered', hit: 3, delayMs: 40 });
    expect(() =>
      armFaultPointFromEnv({ KIOSK_FAULT_POINT: 'fbs.after-registered', KIOSK_FAULT_HIT: '0' }, false),
    ).toThrow(/KIOSK_FAULT_HIT/);
    expect(() =>
      armFaultPointFromEnv({ KIOSK_FAULT_POINT: 'fbs.after-registered', KIOSK_FAULT_DELAY_MS: '-5' }, false),
    ).toThrow(/KIOSK_FAULT_DELAY_MS/);
    disarmFaultPoints();
  });

  it('refuses an unknown name instead of silently doing nothing', () => {
    expect(() => armFaultPointFromEnv({ KIOSK_FAULT_POINT: 'outbox.typo' }, false)).toThrow(/unknown fault point/);
  });
});
