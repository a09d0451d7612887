import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../db/audit.js';
import { DATABASE_FILE } from '../../main/core.js';
import { armFaultPointFromEnv, FAULT_POINTS, type FaultPoint } from '../../main/faults.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { tempDir } from '../support/fixtures.js';
import { startStandinTarget, type StandinTarget } from '../support/standin-target.js';
import { startStandinTerminal, type StandinTerminal } from '../support/standin-terminal.js';

/**
 * Kills the real core (a child process) with SIGKILL at each fault point on the payment and
 * delivery path, restarts it on the same database, and checks that nothing was lost or doubled.
 */
const CHILD = fileURLToPath(new URL('./core-child.ts', import.meta.url));

// Three payments of seeded FBS sandbox claims: both routes, FBS only, debtor only.
const PAYMENTS = [
  {
    patronId: '100004',
    lines: [
      ['7001', 4500, 'fbs'],
      ['7002', 12025, 'debtor'],
    ],
  },
  {
    patronId: '100002',
    lines: [
      ['5001', 3000, 'fbs'],
      ['5002', 5550, 'fbs'],
    ],
  },
  { patronId: '100003', lines: [['6001', 24995, 'debtor']] },
];

interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: Record<string, unknown>[];
  readonly stderr: string;
}

function runCore(env: Record<string, string>): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const events = stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, signal, events, stderr });
    });
  });
}

interface DbPayment {
  id: string;
  state: string;
  amount_ore: number;
  terminal_transaction_ref: string | null;
}
interface DbOutbox {
  payment_id: string;
  target: string;
  idempotency_key: string;
  state: string;
  payload_json: string;
}

let terminal: StandinTerminal;
let remote: StandinTarget;
const fbs = new FbsSandbox();
beforeAll(async () => {
  terminal = await startStandinTerminal();
  remote = await startStandinTarget();
  await fbs.start();
});
afterAll(async () => {
  await terminal.close();
  await remote.close();
  await fbs.close();
});

describe('crash safety: SIGKILL at every fault point', () => {
  it('covers every fault point in this test', () => {
    expect(FAULT_POINTS.length).toBeGreaterThanOrEqual(7);
  });

  for (const point of FAULT_POINTS) {
    it(`loses and doubles nothing when killed at ${point}`, async () => {
      await crashAndRecover(point);
    });
  }
});

async function crashAndRecover(point: FaultPoint): Promise<void> {
  const dir = tempDir('kiosk-crash-');
  terminal.chargeRequests.clear();
  terminal.approved.clear();
  remote.reset();
  fbs.reset();
  const env = { KIOSK_DATA_DIR: dir.path, TERMINAL_URL: terminal.url, TARGET_URL: remote.url, FBS_URL: fbs.url };
  try {
    const crashed = await runCore({ ...env, KIOSK_FAULT_POINT: point, PAYMENTS: JSON.stringify(PAYMENTS) });
    expect(crashed.signal, `the core should die at ${point}; stderr: ${crashed.stderr}`).toBe('SIGKILL');

    const restarted = await runCore({ ...env, PAYMENTS: '[]' });
    expect(restarted.code, restarted.stderr).toBe(0);
    const started = restarted.events.find((e) => e.event === 'started')!;
    expect(started.auditOk).toBe(true);
    const reportedInDoubt = new Set(started.inDoubt as string[]);
    expectScenario(point, started, restarted);

    const db = new Database(join(dir.path, DATABASE_FILE), { readonly: true });
    try {
      const payments = db.prepare('SELECT * FROM payments').all() as DbPayment[];
      const outbox = db.prepare('SELECT * FROM outbox').all() as DbOutbox[];
      const byId = new Map(payments.map((p) => [p.id, p]));

      // The terminal was never asked twice for the same payment.
      for (const [id, count] of terminal.chargeRequests) expect(count, `payment ${id} charged ${count} times`).toBe(1);

      // No approved payment is lost: each is in the journal as approved money (with the
      // terminal's reference), or reported in doubt at start-up for recovery.
      for (const [id, ref] of terminal.approved) {
        const p = byId.get(id);
        expect(p, `terminal approved ${id}, journal has no such payment`).toBeDefined();
        if (p!.state === 'authorizing') expect(reportedInDoubt.has(id), `${id} in doubt but not reported`).toBe(true);
        else {
          expect(p!.state).toBe('settled');
          expect(p!.terminal_transaction_ref).toBe(ref);
        }
      }
      // Nothing in the journal claims money the terminal did not approve.
      for (const p of payments) {
        if (['approved', 'settled', 'needs_attention'].includes(p.state))
          expect(terminal.approved.has(p.id)).toBe(true);
        expect(p.state, 'an intent left open after restart').not.toBe('created');
      }

      // Journal and outbox agree: settled payments have all rows delivered, amounts add up,
      // and payments that took no money have no rows.
      for (const p of payments) {
        const rows = outbox.filter((r) => r.payment_id === p.id);
        const lines = db
          .prepare('SELECT route, SUM(amount_ore) AS ore FROM payment_lines WHERE payment_id = ? GROUP BY route')
          .all(p.id) as { route: string; ore: number }[];
        expect(lines.reduce((sum, l) => sum + l.ore, 0)).toBe(p.amount_ore);
        if (p.state === 'settled') {
          expect(rows.map((r) => r.state)).toEqual(rows.map(() => 'delivered'));
          expect(rows.length).toBe(lines.length);
          const rowTotal = rows.reduce(
            (sum, r) => sum + (JSON.parse(r.payload_json) as { amountOre: number }).amountOre,
            0,
          );
          expect(rowTotal).toBe(p.amount_ore);
        } else {
          expect(rows).toEqual([]);
        }
      }

      // ØiR route (stand-in): every delivery of one registration used one key, each took effect once.
      const keysPerRegistration = new Map<string, Set<string>>();
      for (const request of remote.requests) {
        const { payload } = request.body as { payload: { paymentId: string; route: string } };
        const registration = `${payload.paymentId}/${payload.route}`;
        const keys = keysPerRegistration.get(registration) ?? new Set();
        keys.add(request.idempotencyKey);
        keysPerRegistration.set(registration, keys);
      }
      for (const [registration, keys] of keysPerRegistration) expect(keys.size, registration).toBe(1);
      const oeirKeys = outbox.filter((r) => r.target === 'oeir.indbetaling').map((r) => r.idempotency_key);
      expect(new Set(remote.registered.keys())).toEqual(new Set(oeirKeys));

      // FBS route (the FBS sandbox's own ledger): each fee registered once, under the order id
      // the outbox fixed for its payment, and every FBS row accounted for.
      const fbsRows = outbox.filter((r) => r.target === 'fbs.payment');
      const feesOf = (row: DbOutbox): string[] =>
        (JSON.parse(row.payload_json) as { claims: { feeId: string }[] }).claims.map((c) => c.feeId);
      const ledgerFees = fbs.ledger.map((l) => l.feeId);
      expect(new Set(ledgerFees).size, 'a fee registered twice in FBS').toBe(ledgerFees.length);
      expect(new Set(fbs.ledger.map((l) => l.orderId))).toEqual(new Set(fbsRows.map((r) => r.idempotency_key)));
      for (const row of fbsRows) {
        for (const feeId of feesOf(row))
          expect(fbs.ledger.find((l) => l.feeId === feeId)?.orderId, `fee ${feeId}`).toBe(row.idempotency_key);
      }

      expect(verifyAuditChain(db).ok).toBe(true);
    } finally {
      db.close();
    }
  } finally {
    dir.remove();
  }
}

/** Each kill point leaves its own trace: proof that the scenario happened as named. */
function expectScenario(point: FaultPoint, started: Record<string, unknown>, restarted: RunResult): void {
  const abandoned = started.abandoned as string[];
  const inDoubt = started.inDoubt as string[];
  const oeirRetried = [...remote.registered.keys()].some(
    (key) => remote.requests.filter((r) => r.idempotencyKey === key).length > 1,
  );
  const fbsOrders = fbs.exchanges
    .filter((e) => e.operation === 'payFeesV2')
    .map((e) => (e.request as { orderId: string }).orderId);
  const fbsRetried = fbsOrders.some((order, i) => fbsOrders.indexOf(order) !== i);
  const retried = oeirRetried || fbsRetried;
  const delivered = remote.registered.size + fbs.ledger.length;
  switch (point) {
    case 'checkout.after-intent-persisted':
      expect(abandoned).toHaveLength(1);
      expect(terminal.chargeRequests.size).toBe(0);
      break;
    case 'checkout.after-authorizing-persisted':
      // Authorizing was persisted but the terminal never asked: recovery must still ask it.
      expect(inDoubt).toHaveLength(1);
      expect(terminal.chargeRequests.size).toBe(0);
      break;
    case 'checkout.after-terminal-approved':
      expect(inDoubt).toHaveLength(1);
      expect(terminal.approved.has(inDoubt[0]!)).toBe(true);
      break;
    case 'checkout.after-journal-approved':
    case 'outbox.after-lease':
      expect(inDoubt).toEqual([]);
      expect(delivered).toBeGreaterThan(0);
      break;
    case 'outbox.after-remote-call':
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

  it('refuses an unknown name instead of silently doing nothing', () => {
    expect(() => armFaultPointFromEnv({ KIOSK_FAULT_POINT: 'outbox.typo' }, false)).toThrow(/unknown fault point/);
  });
});
