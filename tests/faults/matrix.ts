/**
 * `npm run test:faults`: the fault matrix. For every fault point on the payment and delivery
 * path, the real core runs in a child process against the terminal simulator and the FBS and ØiR
 * sandboxes and is killed with SIGKILL there — on a random payment or delivery (the n-th time the
 * point is reached) and at a random moment around it (at once, or 1–150 ms later, wherever the
 * process then is) — then restarted on the same database until its outbox is drained, and the
 * invariants are checked against the journal and all three ledgers (tests/faults/harness.ts).
 * Two more rows: the core killed from outside at a random moment, and a power-loss style burst of
 * journal transitions killed at a random moment, then integrity_check and every acknowledged
 * commit looked for.
 *
 *   --runs N (or FAULT_RUNS)   runs per row, default 20
 *   --seed S (or FAULT_SEED)   the random seed, printed, so a failing run can be repeated
 *   --only TEXT                rows whose name contains TEXT
 *   --jobs N (or FAULT_JOBS)   runs at the same time, each with its own sandboxes, default 2
 *
 * Prints a table (row, runs, killed, invariant violations, median run time) and writes
 * test-results/faults.json. Exits 1 if any run violated an invariant or was not killed.
 */
import Database from 'better-sqlite3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { verifyAuditChain } from '../../db/audit.js';
import { DATABASE_FILE } from '../../core/core.js';
import { FAULT_POINTS, type FaultPoint } from '../../base/faults.js';
import { tempDir } from '../support/fixtures.js';
import {
  checkInvariants,
  PAYMENTS,
  runChild,
  SIMULATOR_TIMING,
  startSandboxes,
  type ChildPayment,
  type OeirSecurity,
  type Sandboxes,
  type TerminalDriver,
} from './harness.js';
import { seededRandom } from '../support/seeded-random.js';

const TERMINAL_TIMEOUT_MS = SIMULATOR_TIMING.terminalTimeoutMs;

const BURST_CHILD = fileURLToPath(new URL('./burst-child.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

const { values: args } = parseArgs({
  options: { runs: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, jobs: { type: 'string' } },
});
const JOBS = Number(args.jobs ?? process.env.FAULT_JOBS ?? 2);
const RUNS = Number(args.runs ?? process.env.FAULT_RUNS ?? 20);
const SEED = Number(args.seed ?? process.env.FAULT_SEED ?? Date.now() % 1_000_000);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a whole number ≥ 1, not ${args.runs}`);
if (!Number.isInteger(JOBS) || JOBS < 1) throw new Error(`--jobs must be a whole number ≥ 1, not ${args.jobs}`);

const random = seededRandom(SEED);
const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

interface Outcome {
  readonly killed: boolean;
  readonly violations: readonly string[];
  readonly detail: string;
  readonly ms: number;
}

/** One run, its random choices made up front (so a seed repeats a whole matrix, jobs or not). */
type Run = (sandboxes: Sandboxes) => Promise<Omit<Outcome, 'ms'>>;

interface Row {
  readonly name: string;
  /** `always`: a run that was not killed is a failure; `sometimes`: some runs are meant to live. */
  readonly kills?: 'always' | 'sometimes';
  plan(): Run;
}

/** A random non-empty choice of the seeded payments, in random order, including one that reaches `needs`. */
function choosePayments(needs: 'fbs' | 'debtor' | null): ChildPayment[] {
  const shuffled = [...PAYMENTS].sort(() => random() - 0.5);
  const chosen = shuffled.slice(0, between(1, shuffled.length));
  if (needs && !chosen.some((p) => p.lines.some(([, , route]) => route === needs))) {
    chosen.push(shuffled.find((p) => p.lines.some(([, , route]) => route === needs))!);
  }
  return chosen;
}

const routesOf = (payments: readonly ChildPayment[], route?: 'fbs' | 'debtor'): number =>
  payments.reduce(
    (n, p) => n + new Set(p.lines.map(([, , r]) => r).filter((r) => route === undefined || r === route)).size,
    0,
  );

/**
 * The core killed at a named point, restarted until drained, invariants checked. `nets`: the
 * core pays through the Nets Connect@Cloud driver and simulator instead of nexo.
 */
function faultPointRow(
  point: FaultPoint,
  driver: TerminalDriver = 'nexo',
  security: OeirSecurity = 'certificate',
): Row {
  return {
    name: security === 'token' ? `oeir-token: ${point}` : driver === 'nexo' ? point : `${driver}: ${point}`,
    plan() {
      const needs = point.startsWith('fbs.') ? 'fbs' : point.startsWith('oeir.') ? 'debtor' : null;
      const payments = choosePayments(needs);
      // How often the point is reached for certain: once per payment at the checkout points, once
      // per registration in the outbox, once per registration of that system at FBS/ØiR.
      const reached =
        point.startsWith('checkout.') || point.startsWith('mobilepay.')
          ? payments.length
          : point.startsWith('outbox.')
            ? routesOf(payments)
            : routesOf(payments, needs!);
      // A lost terminal answer is what leads to `unknown`: the first payment's answer is dropped.
      const hit = point === 'checkout.after-unknown-persisted' ? 1 : between(1, reached);
      const delayMs = random() < 0.5 ? 0 : between(1, 150);
      const detail = `payments ${payments.map((p) => p.patronId).join('+')}, hit ${hit}, +${delayMs} ms`;
      return (sandboxes) => {
        sandboxes.reset();
        if (security === 'token') sandboxes.useTokenModel();
        if (point === 'checkout.after-unknown-persisted') {
          if (driver === 'nets') sandboxes.nets.queueScenario('drop');
          else if (driver === 'mobilepay') sandboxes.mobilepay.loseNextCreateAnswer();
          else sandboxes.terminal.queueScenario('drop');
        }
        return crashThenRecover(
          sandboxes,
          detail,
          {
            KIOSK_FAULT_POINT: point,
            KIOSK_FAULT_HIT: String(hit),
            KIOSK_FAULT_DELAY_MS: String(delayMs),
            PAYMENTS: JSON.stringify(payments),
          },
          undefined,
          driver,
          security,
        );
      };
    },
  };
}

/** The core killed from outside at a random moment of its run (no named point). */
const randomMomentRow = (driver: TerminalDriver = 'nexo'): Row => ({
  name: driver === 'nexo' ? 'kill.random-moment' : `${driver}: kill.random-moment`,
  plan() {
    const payments = choosePayments(null);
    // Within the run's length (about 0.6 s to start, 0.3–0.5 s per payment, then delivery).
    const killAfterMs = between(200, 500 + 350 * payments.length);
    const detail = `payments ${payments.map((p) => p.patronId).join('+')}, killed after ${killAfterMs} ms`;
    return (sandboxes) => {
      sandboxes.reset();
      return crashThenRecover(sandboxes, detail, { PAYMENTS: JSON.stringify(payments) }, killAfterMs, driver);
    };
  },
});

/**
 * The same borrower pays again while the first payment's registration waits (FBS payment/v2 or
 * ØiR down): the kiosk's journal must refuse a second charge — at once, and after a restart —
 * with or without the core killed at a random moment in between. The debtor system's check
 * before charging cannot help here (it is what is down; the child charges unconfirmed claims).
 */
const payAgainRow: Row = {
  name: 'double-charge.target-down',
  kills: 'sometimes',
  plan() {
    const target = random() < 0.5 ? 'fbs' : 'oeir';
    const payments = choosePayments(target === 'fbs' ? 'fbs' : 'debtor');
    const killAfterMs = random() < 0.5 ? null : between(300, 500 + 400 * payments.length);
    const detail = `${target} down, payments ${payments.map((p) => p.patronId).join('+')}, ${killAfterMs === null ? 'no kill' : `killed after ${killAfterMs} ms`}`;
    return async (sandboxes) => {
      sandboxes.reset();
      if (target === 'fbs')
        sandboxes.fbs.setFaults({ status: { code: 503, times: 1_000_000 }, pathIncludes: '/payment/v2' });
      else sandboxes.oeir.sandbox.setFaults({ status: { code: 503, times: 1_000_000 } });
      const dir = tempDir('kiosk-faults-');
      try {
        const env = sandboxes.env(dir.path);
        const first = await runChild(
          { ...env, PAYMENTS: JSON.stringify(payments), PAY_AGAIN: '1', DRAIN: '0' },
          killAfterMs === null ? {} : { killAfterMs },
        );
        const violations: string[] = [];
        if (killAfterMs === null && first.code !== 0)
          violations.push(`first run exited ${first.code}: ${first.stderr.slice(-400)}`);
        violations.push(...secondCharges(first.events));
        // The target is back; the borrower tries once more after the restart, then the queue drains.
        sandboxes.fbs.setFaults({});
        sandboxes.oeir.sandbox.setFaults({});
        const restarted = await runChild({ ...env, PAYMENTS: JSON.stringify(payments), PAY_AGAIN: '1' });
        if (restarted.code !== 0) violations.push(`restart exited ${restarted.code}: ${restarted.stderr.slice(-400)}`);
        violations.push(...secondCharges(restarted.events));
        violations.push(...checkInvariants(dir.path, sandboxes));
        return { killed: first.signal === 'SIGKILL', violations, detail };
      } finally {
        dir.remove();
      }
    };
  },
};

/** A payment the child reported approved for claims an earlier approved payment already had. */
function secondCharges(events: readonly Record<string, unknown>[]): string[] {
  return events
    .filter((e) => e.event === 'paid-again' && (e.state === 'approved' || e.state === 'settled'))
    .map((e) => `the same claims were charged again (payment ${String(e.id)})`);
}

/**
 * A payment request held on the wire by a stalling proxy while the core is killed; the restarted
 * core asks the terminal about it, is told "not found", and the request arrives afterwards — up
 * to 1.5 times the in-flight window later. Within the window the payment must stay in doubt and
 * end as the terminal says; beyond it, the terminal check must find the capture and hand it to
 * staff. Never a capture without an approved or flagged journal row; the card totals agree.
 */
const stalledRequestRow: Row = {
  name: 'terminal.stalled-request',
  plan() {
    const payments = choosePayments(null);
    // A restarted child takes ~2 s to ask the terminal; a window longer than that lets a request
    // arrive inside it as well as beyond it.
    const maxTransitMs = 4_000;
    const windowMs = maxTransitMs + TERMINAL_TIMEOUT_MS;
    // Held until the restarted core has asked the terminal about it (and heard "not found"), then
    // this much longer: arriving anywhere from inside the window to well beyond it.
    const afterStatusMs = between(0, windowMs);
    const detail = `payments ${payments.map((p) => p.patronId).join('+')}, first request held until the restart asked, +${afterStatusMs} ms (window ${windowMs} ms)`;
    return async (sandboxes) => {
      sandboxes.reset();
      const dir = tempDir('kiosk-faults-');
      try {
        const env = { ...sandboxes.env(dir.path, { viaProxy: true }), TERMINAL_MAX_TRANSIT_MS: String(maxTransitMs) };
        sandboxes.proxy.stallNext('Payment', afterStatusMs, { afterNext: 'TransactionStatus' });
        const crashed = await runChild(
          { ...env, PAYMENTS: JSON.stringify(payments) },
          { killOn: sandboxes.proxy.held() },
        );
        const restarted = await runChild({ ...env, PAYMENTS: '[]', SETTLE_MS: String(afterStatusMs + 1_500) });
        await sandboxes.proxy.drained();
        const stallMs = sandboxes.proxy.lastStallMs() ?? 0;
        const violations: string[] = [];
        if (restarted.code !== 0) violations.push(`restart exited ${restarted.code}: ${restarted.stderr.slice(-400)}`);
        violations.push(...checkInvariants(dir.path, sandboxes));
        // Within the window the recovery itself must get it right; only a later arrival may need
        // the terminal check (a flag for staff). 300 ms: the kill and restart take a moment.
        if (stallMs < windowMs - 300) violations.push(...flaggedLateCaptures(dir.path));
        return { killed: crashed.signal === 'SIGKILL', violations, detail: `${detail}: held ${stallMs} ms in all` };
      } finally {
        dir.remove();
      }
    };
  },
};

/** Payments the terminal check had to hand to staff: the recovery declined a request that then arrived. */
function flaggedLateCaptures(dataDir: string): string[] {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT p.id FROM payments p WHERE p.state = 'needs_attention'
            AND (SELECT reason FROM payment_transitions t WHERE t.payment_id = p.id ORDER BY t.rowid DESC LIMIT 1)
                LIKE 'terminal-capture:%'`,
      )
      .all() as { id: string }[];
    return rows.map(
      (r) => `payment ${r.id} was declined by the recovery although its request arrived within the window`,
    );
  } finally {
    db.close();
  }
}

async function crashThenRecover(
  sandboxes: Sandboxes,
  detail: string,
  crashEnv: Record<string, string>,
  killAfterMs?: number,
  driver: TerminalDriver = 'nexo',
  security: OeirSecurity = 'certificate',
): Promise<Omit<Outcome, 'ms'>> {
  const dir = tempDir('kiosk-faults-');
  try {
    const env = sandboxes.env(dir.path, { driver, security });
    const crashed = await runChild({ ...env, ...crashEnv }, killAfterMs === undefined ? {} : { killAfterMs });
    const killed = crashed.signal === 'SIGKILL';
    const restarted = await runChild({ ...env, PAYMENTS: '[]' });
    const violations: string[] = [];
    if (restarted.code !== 0) violations.push(`restart exited ${restarted.code}: ${restarted.stderr.slice(-400)}`);
    const started = restarted.events.find((e) => e.event === 'started');
    if (started?.auditOk !== true) violations.push('audit chain not intact at start-up');
    if (!restarted.events.some((e) => e.event === 'drained')) violations.push('the restart did not drain the outbox');
    violations.push(...checkInvariants(dir.path, sandboxes, driver, security));
    // A run that lived: what its core did instead of reaching the point, for the report.
    const lived = killed
      ? ''
      : `; it did: ${crashed.events
          .map(
            (e) =>
              `${String(e.event)}${e.state ? `:${String(e.state)}` : ''}${e.counts ? ` ${JSON.stringify(e.counts)}` : ''}`,
          )
          .join(', ')
          .slice(0, 600)}`;
    return { killed, violations, detail: `${detail}${lived}` };
  } finally {
    dir.remove();
  }
}

/**
 * Power-loss style: a burst of journal and outbox transitions killed at a random moment. Then:
 * integrity_check, the audit chain, every approval the child reported as committed is there
 * with its registrations, and every payment's registrations add up to its amount.
 */
const burstRow: Row = {
  name: 'power-loss.burst',
  plan() {
    const killAfterMs = between(5, 800);
    return () => burstThenCheck(killAfterMs);
  },
};

async function burstThenCheck(killAfterMs: number): Promise<Omit<Outcome, 'ms'>> {
  const dir = tempDir('kiosk-burst-');
  try {
    const run = await runChild({ KIOSK_DATA_DIR: dir.path }, { script: BURST_CHILD, killAfterStartedMs: killAfterMs });
    const acknowledged = run.events.filter((e) => e.event === 'approved').map((e) => e.id as string);
    const violations: string[] = [];
    const db = new Database(join(dir.path, DATABASE_FILE), { readonly: true });
    try {
      const integrity = db.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok') violations.push(`integrity_check: ${String(integrity)}`);
      if (!verifyAuditChain(db).ok) violations.push('audit chain broken');
      const states = new Map(
        (db.prepare('SELECT id, state FROM payments').all() as { id: string; state: string }[]).map((p) => [
          p.id,
          p.state,
        ]),
      );
      for (const id of acknowledged) {
        const state = states.get(id);
        if (state !== 'approved' && state !== 'settled') violations.push(`acknowledged ${id} is ${state ?? 'missing'}`);
      }
      const sums = db
        .prepare(
          `SELECT p.id, p.state, p.amount_ore AS amount,
                    (SELECT COALESCE(SUM(json_extract(payload_json, '$.amountOre')), 0) FROM outbox o WHERE o.payment_id = p.id) AS registered,
                    (SELECT COUNT(*) FROM outbox o WHERE o.payment_id = p.id AND o.state <> 'delivered') AS undelivered
               FROM payments p`,
        )
        .all() as { id: string; state: string; amount: number; registered: number; undelivered: number }[];
      for (const p of sums) {
        const approved = p.state === 'approved' || p.state === 'settled';
        if (approved && p.registered !== p.amount)
          violations.push(`${p.id}: registered ${p.registered} of ${p.amount}`);
        if (!approved && p.registered !== 0) violations.push(`${p.id} is ${p.state} with registrations`);
        if (p.state === 'settled' && p.undelivered > 0) violations.push(`${p.id} settled with undelivered rows`);
      }
    } finally {
      db.close();
    }
    return {
      killed: run.signal === 'SIGKILL',
      violations,
      detail: `killed after ${killAfterMs} ms, ${acknowledged.length} approvals acknowledged`,
    };
  } finally {
    dir.remove();
  }
}

/**
 * The Nets driver's own rows: killed before the request leaves (authorizing persisted), with its
 * answer lost (unknown persisted), after the approval came back before the journal wrote it, and
 * at a random moment (the held purchase call among them: Connect@Cloud sends no display steps,
 * so no named point marks "the terminal has it").
 */
const NETS_POINTS: readonly FaultPoint[] = [
  'checkout.after-authorizing-persisted',
  'checkout.after-unknown-persisted',
  'checkout.after-terminal-approved',
];

/**
 * MobilePay's own rows: killed before the create (authorizing persisted), with the create's answer
 * lost (unknown persisted), after the borrower approved in the app before the capture, after the
 * capture before the journal wrote it, and at a random moment (the wait for the phone among them).
 * The sandbox's phone approves each payment 60 ms after it is made.
 */
const MOBILEPAY_POINTS: readonly FaultPoint[] = [
  'checkout.after-authorizing-persisted',
  'checkout.after-unknown-persisted',
  'mobilepay.after-authorized',
  'checkout.after-terminal-approved',
];

const rows: Row[] = [
  ...FAULT_POINTS.filter((point) => !point.startsWith('mobilepay.')).map((point) => faultPointRow(point)),
  ...NETS_POINTS.map((point) => faultPointRow(point, 'nets')),
  ...MOBILEPAY_POINTS.map((point) => faultPointRow(point, 'mobilepay')),
  // ØiR under the token model (a SAML token from the STS, each call signed): killed after the
  // debtor system registered the payment, before the outbox wrote it down.
  faultPointRow('oeir.after-registered', 'nexo', 'token'),
  randomMomentRow(),
  randomMomentRow('nets'),
  randomMomentRow('mobilepay'),
  burstRow,
  payAgainRow,
  stalledRequestRow,
].filter((row) => !args.only || row.name.includes(args.only));

console.log(`fault matrix: ${rows.length} rows × ${RUNS} runs, ${JOBS} jobs, seed ${SEED}`);
const plans = rows.flatMap((row) => Array.from({ length: RUNS }, () => ({ row: row.name, run: row.plan() })));
const outcomes = new Map<string, Outcome[]>(rows.map((row) => [row.name, []]));
// Each job has its own sandboxes (their ledgers are per run) and takes the next plan in turn.
let next = 0;
await Promise.all(
  Array.from({ length: JOBS }, async () => {
    const sandboxes = await startSandboxes();
    try {
      while (next < plans.length) {
        const { row, run } = plans[next++]!;
        const started = performance.now();
        // A run that throws (a harness fault, a database the checks cannot open) is a failure
        // of that run, reported as such, not the end of the matrix.
        const result = await run(sandboxes).catch((error: unknown) => ({
          killed: false,
          violations: [`the run failed: ${(error as Error).message}`],
          detail: 'see the violation',
        }));
        const outcome = { ...result, ms: performance.now() - started };
        outcomes.get(row)!.push(outcome);
        const mustKill = (rows.find((r) => r.name === row)?.kills ?? 'always') === 'always';
        if (outcome.violations.length > 0 || (mustKill && !outcome.killed))
          console.log(
            `  ✘ ${row} (${outcome.detail}): ${outcome.killed || !mustKill ? '' : 'NOT KILLED; '}${outcome.violations.join('; ')}`,
          );
      }
    } finally {
      await sandboxes.close();
    }
  }),
);
const results = rows.map((row) => {
  const done = outcomes.get(row.name)!;
  const times = done.map((o) => o.ms).sort((a, b) => a - b);
  const result = {
    name: row.name,
    mustKill: (row.kills ?? 'always') === 'always',
    runs: done.length,
    killed: done.filter((o) => o.killed).length,
    violations: done.reduce((n, o) => n + o.violations.length, 0),
    medianMs: Math.round(times[Math.floor(times.length / 2)]!),
    failures: done.filter((o) => o.violations.length > 0).map((o) => `${o.detail}: ${o.violations.join('; ')}`),
  };
  console.log(
    `${result.violations === 0 && (!result.mustKill || result.killed === result.runs) ? '✓' : '✘'} ${row.name.padEnd(38)} runs ${String(result.runs).padStart(3)}  killed ${String(result.killed).padStart(3)}  invariant violations ${result.violations}  (median ${result.medianMs} ms/run)`,
  );
  return result;
});

mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(
  join(root, 'test-results', 'faults.json'),
  `${JSON.stringify({ seed: SEED, runsPerRow: RUNS, rows: results }, null, 2)}\n`,
);
const total = results.reduce((n, r) => n + r.runs, 0);
const violations = results.reduce((n, r) => n + r.violations, 0);
const notKilled = results.reduce((n, r) => n + (r.mustKill ? r.runs - r.killed : 0), 0);
console.log(
  `fault matrix: ${total} runs, ${violations} invariant violations, ${notKilled} runs not killed (seed ${SEED})`,
);
if (violations > 0 || notKilled > 0) process.exitCode = 1;
