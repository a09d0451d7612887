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
import { writeFileSync } from 'node:fs';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';
import { TerminalSimulator } from '../../devices/terminal/simulator/server.js';

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

const TERMINAL_PASSPHRASE = 'crash test passphrase';
const terminal = new TerminalSimulator({
  key: { keyIdentifier: 'CrashKey', keyVersion: 1, passphrase: TERMINAL_PASSPHRASE },
  timing: { stepMs: 30, terminalTimeoutMs: 800, slowMs: 1_600 },
});
let oeir: OeirFixture;
const fbs = new FbsSandbox();
const pki = tempDir('kiosk-crash-pki-');
beforeAll(async () => {
  await terminal.start();
  oeir = await startOeirFixture();
  writeFileSync(join(pki.path, 'kiosk.p12'), oeir.p12);
  writeFileSync(join(pki.path, 'ca.pem'), oeir.ca.certPem);
  writeFileSync(join(pki.path, 'terminal-ca.pem'), terminal.caPem);
  await fbs.start();
});
afterAll(async () => {
  await terminal.close();
  await oeir.close();
  await fbs.close();
  pki.remove();
});

/** Payment ids of the ForetagIndbetaling requests the ØiR sandbox received, in order. */
function oeirRequestIds(): string[] {
  return oeir.sandbox.requests.flatMap((xml) => /IndbetalingIdentifikator>([^<]+)</.exec(xml)?.[1] ?? []);
}

describe('crash safety: SIGKILL at every fault point', () => {
  it('covers every fault point in this test', () => {
    expect(FAULT_POINTS.length).toBeGreaterThanOrEqual(9);
  });

  for (const point of FAULT_POINTS) {
    it(`loses and doubles nothing when killed at ${point}`, async () => {
      await crashAndRecover(point);
    });
  }
});

async function crashAndRecover(point: FaultPoint): Promise<void> {
  const dir = tempDir('kiosk-crash-');
  terminal.reset();
  // The answer to the first payment is lost, so the checkout goes through `unknown` and recovery.
  if (point === 'checkout.after-unknown-persisted') terminal.queueScenario('drop');
  oeir.sandbox.reset();
  fbs.reset();
  const env = {
    KIOSK_DATA_DIR: dir.path,
    TERMINAL_URL: terminal.url,
    TERMINAL_POIID: terminal.poiId,
    TERMINAL_CA: join(pki.path, 'terminal-ca.pem'),
    TERMINAL_PASSPHRASE,
    FBS_URL: fbs.url,
    OEIR_URL: oeir.sandbox.url,
    OEIR_P12: join(pki.path, 'kiosk.p12'),
    OEIR_PASSWORD: oeir.password,
    OEIR_CA: join(pki.path, 'ca.pem'),
  };
  try {
    const crashed = await runCore({ ...env, KIOSK_FAULT_POINT: point, PAYMENTS: JSON.stringify(PAYMENTS) });
    expect(crashed.signal, `the core should die at ${point}; stderr: ${crashed.stderr}`).toBe('SIGKILL');

    const restarted = await runCore({ ...env, PAYMENTS: '[]' });
    expect(restarted.code, restarted.stderr).toBe(0);
    const started = restarted.events.find((e) => e.event === 'started')!;
    expect(started.auditOk).toBe(true);
    // Every payment in doubt at start-up was resolved with the terminal before anything else.
    const recovered = restarted.events.find((e) => e.event === 'recovered')!.states as Record<string, string>;
    expect(Object.keys(recovered).sort()).toEqual([...(started.inDoubt as string[])].sort());
    expectScenario(point, started, restarted);

    const db = new Database(join(dir.path, DATABASE_FILE), { readonly: true });
    try {
      const payments = db.prepare('SELECT * FROM payments').all() as DbPayment[];
      const outbox = db.prepare('SELECT * FROM outbox').all() as DbOutbox[];
      const byId = new Map(payments.map((p) => [p.id, p]));

      // The terminal's ledger: never a second PaymentRequest for the same payment, and at most
      // one capture per payment.
      const requests = terminal.entries('Payment');
      const requested = requests.map((e) => e.saleTransactionId);
      expect(new Set(requested).size, 'a payment was sent to the terminal twice').toBe(requested.length);
      const captured = requests.filter((e) => e.captured);

      // No approved payment is lost: each capture is settled in the journal with the terminal's reference.
      for (const charge of captured) {
        const p = byId.get(charge.saleTransactionId!);
        expect(p, `terminal captured ${charge.saleTransactionId}, journal has no such payment`).toBeDefined();
        expect(p!.state).toBe('settled');
        expect(p!.terminal_transaction_ref).toBe(charge.poiTransactionId);
      }
      // Nothing in the journal claims money the terminal did not take, and nothing is left in doubt.
      for (const p of payments) {
        if (['approved', 'settled', 'needs_attention'].includes(p.state))
          expect(captured.some((c) => c.saleTransactionId === p.id)).toBe(true);
        expect(['created', 'authorizing', 'unknown'], `payment left ${p.state} after restart`).not.toContain(p.state);
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

      // ØiR route (the ØiR sandbox's own ledger): every ØiR row's payment registered once, for its
      // amount, and every request carried the identifier of a payment that has an ØiR row.
      const oeirRows = outbox.filter((r) => r.target === 'oeir.indbetaling');
      expect(new Set(oeir.sandbox.ledger.keys())).toEqual(new Set(oeirRows.map((r) => r.payment_id)));
      for (const row of oeirRows) {
        expect(oeir.sandbox.ledger.get(row.payment_id)?.amountOre).toBe(
          (JSON.parse(row.payload_json) as { amountOre: number }).amountOre,
        );
      }
      for (const id of oeirRequestIds())
        expect(
          oeirRows.some((r) => r.payment_id === id),
          `ØiR request for ${id}`,
        ).toBe(true);

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

function recoveredStates(run: RunResult): Record<string, string> {
  return run.events.find((e) => e.event === 'recovered')!.states as Record<string, string>;
}

/** Each kill point leaves its own trace: proof that the scenario happened as named. */
function expectScenario(point: FaultPoint, started: Record<string, unknown>, restarted: RunResult): void {
  const abandoned = started.abandoned as string[];
  const inDoubt = started.inDoubt as string[];
  const oeirIds = oeirRequestIds();
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
