/**
 * `npm run test:explore -- --seeds N [--seed S] [--steps K]`: the scenario explorer. Both money
 * bugs the independent crash harness found lived between the cases anyone had listed, so this
 * makes the cases up: seeded random sequences of what borrowers do (scan, PIN — sometimes wrong —,
 * choose, pay, cancel, walk away, come back, at the kiosk or at the counter), what the peers do
 * (FBS or ØiR down, slow, hanging, answering garbage, recovered; the terminal declining, dropping
 * answers, busy), stalls on the wire to the terminal, clock jumps, and kills and restarts — across
 * TWO kiosks (real processes, each the whole kiosk as `npm start` composes it) sharing the same
 * FBS and ØiR (app/peers.ts). After every sequence the faults are cleared, dead kiosks restarted
 * and everything allowed to settle; then the money invariants are checked against both journals
 * and every ledger (see `checkSequence`).
 *
 * The model is TigerBeetle's VOPR and FoundationDB's simulator: a seed makes the sequence, and a
 * failure prints the seed to replay (`--seed S`). Unlike theirs, this runs real processes on real
 * sockets with real time, so a replay repeats the same steps, not the same interleaving to the
 * microsecond. Results in test-results/explore.json; exit 1 on any violation.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { KioskCommand, SessionView } from '../../contract/index.js';
import { BLOCKING_NOTES } from '../../contract/index.js';
import { verifyAuditChain } from '../../db/audit.js';
import type { Scenario } from '../../devices/terminal/simulator/server.js';
import { DATABASE_FILE } from '../../core/core.js';
import { startPeers, type Peers } from '../../app/peers.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';
import { seededRandom } from '../support/seeded-random.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./kiosk-child.ts', import.meta.url));
const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    start: { type: 'string' },
  },
});
const STEPS = Number(args.steps ?? process.env.EXPLORE_STEPS ?? 40);
const FIRST = Number(args.seed ?? args.start ?? process.env.EXPLORE_SEED ?? Date.now() % 1_000_000);
const SEEDS = args.seed ? 1 : Number(args.seeds ?? process.env.EXPLORE_SEEDS ?? 5);

/** The demo borrowers with claims to pay (FBS sandbox seed). */
const BORROWERS = [
  { card: '1000000002', pin: '2222' },
  { card: '1000000003', pin: '3333' },
  { card: '1000000004', pin: '4444' },
  { card: '0101901234', pin: '4444' }, // the same borrower as above, by CPR (health card)
] as const;
const TERMINAL_TIMEOUT_MS = 800;
const MAX_TRANSIT_MS = 1_500;

/** One kiosk process, its last screen, and a way to talk to it. */
class KioskProcess {
  view: SessionView = { screen: 'attract' };
  alive = false;
  private child: ChildProcess | null = null;
  private next = 1;
  private readonly waiting = new Map<number, (ack: Record<string, unknown>) => void>();
  stderr = '';

  constructor(
    readonly index: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, ...this.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    this.view = { screen: 'attract' };
    child.stderr!.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4_000)));
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`kiosk ${this.index} exited ${code} at start: ${this.stderr}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!line.startsWith('{')) return;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.event === 'ready') resolve();
        if (event.event === 'view') this.view = event.view as SessionView;
        if (event.event === 'ack') {
          this.waiting.get(event.id as number)?.(event);
          this.waiting.delete(event.id as number);
        }
      });
    });
    child.on('exit', () => {
      this.alive = false;
      for (const resolve of this.waiting.values()) resolve({ error: 'the kiosk died' });
      this.waiting.clear();
    });
    await ready;
    this.alive = true;
  }

  send(message: Record<string, unknown>, timeoutMs = 90_000): Promise<Record<string, unknown>> {
    if (!this.alive || !this.child) return Promise.resolve({ error: 'the kiosk is not running' });
    const id = this.next++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ error: `no answer to ${String(message.op)}` }), timeoutMs);
      this.waiting.set(id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.child!.stdin!.write(`${JSON.stringify({ ...message, id })}\n`);
    });
  }

  kill(): Promise<void> {
    if (!this.child || !this.alive) return Promise.resolve();
    const child = this.child;
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    await this.send({ op: 'stop' }, 30_000);
    await this.kill();
  }

  /** Until the screen is not a transient one (or the time is up). */
  async steady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.alive && ['loading', 'paying'].includes(this.view.screen) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
  }
}

interface SequenceResult {
  readonly seed: number;
  readonly steps: string[];
  readonly violations: string[];
  readonly stats: Record<string, number>;
}

async function runSequence(seed: number, peers: Peers, proxies: StallingProxy[], dir: string): Promise<SequenceResult> {
  const random = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const chance = (p: number): boolean => random() < p;
  const between = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

  await fetch(`${peers.controlUrl}/reset`, { method: 'POST', body: '{}' });
  // More claims than the demo's, on both routes, so a sequence has money to move after the first
  // payments (a claim paid is never payable again).
  for (const [n, patronId] of ['100002', '100003', '100004'].entries()) {
    const fees = Array.from({ length: 4 }, (_, i) => ({
      feeId: String(80_000 + n * 10 + i),
      type: 'fee',
      reasonMessage: 'Gebyr',
      amount: String(10 + i),
      creationDate: '2026-01-02',
      payableByClient: i % 2 === 0,
      materials: [],
    }));
    peers.fbs.addFees(patronId, fees);
    peers.oeir.addClaims(
      Object.fromEntries(fees.filter((f) => !f.payableByClient).map((f) => [f.feeId, Number(f.amount) * 100])),
    );
  }
  const policy = pick(['counter-only', 'counter-only', 'accept-and-queue', 'refuse'] as const);
  const kiosks = peers.kiosks.map((peer, i) => {
    const dataDir = join(dir, `seed-${seed}`, `kiosk-${peer.index}`);
    mkdirSync(dataDir, { recursive: true });
    const caPath = join(dir, `proxy-${peer.index}-ca.pem`);
    const overrides = {
      dataDir,
      log: { level: 'error' },
      fbs: { timeoutMs: 1_500 },
      oeir: {
        timeoutMs: 1_500,
        offlinePolicy: policy,
        // Every debtor-route fee here is newer than this (created 2025 and 2026).
        cutOffDate: '2020-01-01',
        confirmationValidMinutes: 10,
        breaker: { failuresToOpen: 2, halfOpenAfterMs: 300 },
      },
      terminal: {
        url: proxies[i]!.url,
        caPath,
        terminalTimeoutMs: TERMINAL_TIMEOUT_MS,
        clientTimeoutMs: TERMINAL_TIMEOUT_MS + 5_000,
        maxRequestTransitMs: MAX_TRANSIT_MS,
        statusPollMs: 50,
        resolveGiveUpMs: 4_000,
        auditIntervalMs: 1_000,
        healthIntervalMs: 2_000,
        notifications: { host: '127.0.0.1', port: 0 },
      },
      outbox: { baseBackoffMs: 50, maxBackoffMs: 500, pollIntervalMs: 50, callTimeoutMs: 2_000, leaseMs: 4_000 },
      ui: { idleTimeoutMs: 600_000, idleWarningMs: 60_000 },
    };
    return new KioskProcess(peer.index, {
      KIOSK_CONFIG: peer.configFile,
      KIOSK_OVERRIDES: JSON.stringify(overrides),
    });
  });
  await Promise.all(kiosks.map((k) => k.start()));

  const steps: string[] = [];
  const stats: Record<string, number> = {};
  const scanned = new Map<number, (typeof BORROWERS)[number]>();
  const count = (what: string): void => void (stats[what] = (stats[what] ?? 0) + 1);
  const log = (k: KioskProcess | null, what: string): void => {
    steps.push(k ? `k${k.index} ${what}` : what);
    count(what.split(' ')[0]!);
  };

  for (let step = 0; step < STEPS; step++) {
    const k = pick(kiosks);
    if (!k.alive) {
      log(k, 'restart');
      await k.start();
      continue;
    }
    const view = k.view;
    const roll = random();
    if (roll < 0.62) {
      // A borrower (or staff at the counter) does what the screen allows, now and then something it does not.
      const command = borrowerMove(view, scanned.get(k.index) ?? null, pick, chance);
      if (!command) continue;
      if (command.borrower) scanned.set(k.index, command.borrower);
      log(k, command.label);
      const ack = await k.send(command.message);
      if (
        ack.error &&
        !/not payable here|cannot be read|no claims|nothing|no card|no payment|finish the open|choose/u.test(
          String(ack.error),
        )
      )
        steps.push(`  (refused: ${String(ack.error).slice(0, 120)})`);
      if (command.label.startsWith('pay') && chance(0.5)) continue; // carry on while it pays
      await k.steady();
    } else if (roll < 0.74) {
      const fault = pick(PEER_FAULTS);
      log(null, `peer ${fault.name}`);
      await fetch(`${peers.controlUrl}${fault.path}`, { method: 'POST', body: JSON.stringify(fault.body) });
    } else if (roll < 0.8) {
      const scenario = pick(['decline', 'cancel', 'card-removed', 'busy', 'drop', 'slow'] as Scenario[]);
      log(k, `terminal ${scenario}`);
      await fetch(`${peers.controlUrl}/terminal/${k.index}/scenario`, {
        method: 'POST',
        body: JSON.stringify({ scenario }),
      });
    } else if (roll < 0.84) {
      const ms = between(100, Math.round((MAX_TRANSIT_MS + TERMINAL_TIMEOUT_MS) * 1.5));
      log(k, `stall the next payment request ${ms} ms`);
      proxies[k.index - 1]!.stallNext('Payment', ms);
    } else if (roll < 0.89) {
      const offsetMs = pick([0, 3_600_000, 26 * 3_600_000, -2 * 3_600_000]);
      log(k, `clock ${offsetMs / 3_600_000} h`);
      await k.send({ op: 'clock', offsetMs });
    } else if (roll < 0.96) {
      if (k.view.screen !== 'paying' && chance(0.6)) {
        // Most kills while money is moving: wait for a payment to be under way, briefly.
        const deadline = Date.now() + 1_500;
        const screen = (): string => k.view.screen;
        while (screen() !== 'paying' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      }
      log(k, `kill (on ${k.view.screen})`);
      await k.kill();
      if (chance(0.5)) {
        log(k, 'restart');
        await k.start();
      }
    } else {
      const ms = between(50, 800);
      log(null, `wait ${ms} ms`);
      await new Promise((r) => setTimeout(r, ms));
    }
  }

  // Settle: faults cleared, clocks right, every kiosk running, requests on the wire delivered,
  // queues drained, the terminals asked about every request.
  log(null, 'settle');
  await fetch(`${peers.controlUrl}/reset`, { method: 'POST', body: JSON.stringify({ keepLedger: true }) });
  for (const k of kiosks) if (!k.alive) await k.start();
  await Promise.all(proxies.map((p) => p.drained()));
  const violations: string[] = [];
  for (const k of kiosks) {
    await k.send({ op: 'clock', offsetMs: 0 });
    await k.send({ op: 'command', command: { type: 'session.reset' } });
  }
  const settleMs = Math.round((MAX_TRANSIT_MS + TERMINAL_TIMEOUT_MS) * 1.5) + 1_000;
  const settled = await Promise.all(kiosks.map((k) => k.send({ op: 'settle', settleMs }, 120_000)));
  settled.forEach((ack, i) => {
    if (ack.error) violations.push(`kiosk ${i + 1} did not settle: ${String(ack.error)}`);
  });
  await Promise.all(kiosks.map((k) => k.stop()));
  violations.push(...checkSequence(peers, kiosks, stats));
  return { seed, steps, violations, stats };
}

interface Move {
  readonly label: string;
  readonly message: Record<string, unknown>;
  /** The card this move scans. */
  readonly borrower?: (typeof BORROWERS)[number];
}

/** What a borrower (or staff) can do on this screen; sometimes a command that does not fit it. */
function borrowerMove(
  view: SessionView,
  scanned: (typeof BORROWERS)[number] | null,
  pick: <T>(list: readonly T[]) => T,
  chance: (p: number) => boolean,
): Move | null {
  const command = (c: KioskCommand, label: string): Move => ({ label, message: { op: 'command', command: c } });
  if (chance(0.05)) return command({ type: 'checkout.pay' }, 'pay (out of turn)');
  switch (view.screen) {
    case 'type-card': {
      const borrower = pick(BORROWERS);
      if (chance(0.2)) return command({ type: 'session.reset' }, 'walk away from the keypad');
      return { ...command({ type: 'session.identify', cardNumber: borrower.card }, `type ${borrower.card}`), borrower };
    }
    case 'attract':
    case 'error':
    case 'nothing-to-pay':
    case 'approved':
    case 'declined':
    case 'staff-notified': {
      if (view.screen === 'declined' && chance(0.4)) return command({ type: 'checkout.retry' }, 'retry');
      const borrower = pick(BORROWERS);
      if (view.screen === 'attract' && chance(0.15))
        return { label: `counter ${borrower.card}`, message: { op: 'counter', code: borrower.card }, borrower };
      if (chance(0.1)) return command({ type: 'session.reset' }, 'walk away');
      if (view.screen === 'attract' && chance(0.1)) return command({ type: 'session.typeCard' }, 'type instead');
      return { label: `scan ${borrower.card}`, message: { op: 'scan', code: borrower.card }, borrower };
    }
    case 'pin': {
      // Mostly the right PIN for the card just scanned; now and then a wrong one (FBS counts those).
      const right = scanned !== null && chance(0.9);
      return command(
        { type: 'session.authenticate', pin: right ? scanned.pin : '9999' },
        `pin ${right ? 'right' : 'wrong'}`,
      );
    }
    case 'claims': {
      const blocked = new Set(view.notes.filter((n) => BLOCKING_NOTES.has(n.kind)).map((n) => n.claimId));
      const selectable = view.claims.filter((c) => c.route !== 'not-payable' && !blocked.has(c.id)).map((c) => c.id);
      if (chance(0.1)) return command({ type: 'session.reset' }, 'walk away');
      if (chance(0.2) && selectable.length > 0) {
        const chosen = selectable.filter(() => chance(0.5));
        return command({ type: 'checkout.select', claimIds: chosen }, `select ${chosen.length}`);
      }
      if (chance(0.05) && blocked.size > 0)
        return command({ type: 'checkout.select', claimIds: [...blocked] }, 'select a blocked claim');
      return command({ type: 'checkout.pay' }, `pay ${view.selected.length}`);
    }
    case 'paying':
      return chance(0.5)
        ? command({ type: 'checkout.cancel' }, 'cancel at the terminal')
        : command({ type: 'session.reset' }, 'walk away while paying');
    case 'loading':
      return null;
  }
}

const PEER_FAULTS = [
  { name: 'fbs down', path: '/fbs/faults', body: { status: { code: 503, times: 1_000_000 } } },
  {
    name: 'fbs payment down',
    path: '/fbs/faults',
    body: { status: { code: 503, times: 1_000_000 }, pathIncludes: '/payment/v2' },
  },
  { name: 'fbs slow', path: '/fbs/faults', body: { latencyMs: 700 } },
  { name: 'fbs garbage once', path: '/fbs/faults', body: { malformed: { times: 1 } } },
  { name: 'fbs hang once', path: '/fbs/faults', body: { hang: { times: 1 } } },
  { name: 'fbs recovered', path: '/fbs/faults', body: {} },
  { name: 'oeir down', path: '/oeir/faults', body: { status: { code: 503, times: 1_000_000 } } },
  { name: 'oeir slow', path: '/oeir/faults', body: { slowMs: 700 } },
  { name: 'oeir hang once', path: '/oeir/faults', body: { hang: { times: 1 } } },
  { name: 'oeir garbage once', path: '/oeir/faults', body: { malformed: { times: 1 } } },
  { name: 'oeir recovered', path: '/oeir/faults', body: {} },
  { name: 'oeir recovered', path: '/oeir/faults', body: {} },
] as const;

interface Row {
  id: string;
  state: string;
  amount_ore: number;
  terminal_transaction_ref: string | null;
}

/**
 * The money invariants after a settled sequence, against both journals and every ledger:
 * - each journal passes integrity_check, its audit chain is intact, nothing is left in doubt;
 * - each terminal: every capture is a journal payment with that reference, settled or with staff;
 *   every payment the journal counts as charged was captured; the card totals agree;
 * - within one kiosk no claim is charged twice (the journal's own guarantee);
 * - across kiosks a claim charged at both is always detected and with staff ("possible double
 *   payment"), never silently kept (docs/architecture.md says what protects and what does not);
 * - FBS registered each fee at most once; the debtor system's balances never went below zero.
 */
function checkSequence(peers: Peers, kiosks: readonly KioskProcess[], stats: Record<string, number>): string[] {
  const violations: string[] = [];
  const chargedFees = new Map<string, { kiosk: number; paymentId: string; state: string; reason: string }[]>();
  for (const k of kiosks) {
    const peer = peers.kiosks[k.index - 1]!;
    const dataDir = kioskDataDirs.get(k.index)!;
    const journal = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      const fail = (message: string): void => void violations.push(`kiosk ${k.index}: ${message}`);
      if (journal.pragma('integrity_check', { simple: true }) !== 'ok') fail('integrity_check failed');
      if (!verifyAuditChain(journal).ok) fail('audit chain broken');
      const payments = journal
        .prepare('SELECT id, state, amount_ore, terminal_transaction_ref FROM payments')
        .all() as Row[];
      const byId = new Map(payments.map((p) => [p.id, p]));
      const reasonOf = (id: string): string =>
        (
          journal
            .prepare('SELECT reason FROM payment_transitions WHERE payment_id = ? ORDER BY rowid DESC LIMIT 1')
            .get(id) as {
            reason: string | null;
          }
        ).reason ?? '';
      for (const p of payments)
        if (['created', 'authorizing', 'unknown'].includes(p.state)) fail(`payment ${p.id} left ${p.state}`);
      const captured = peer.terminal.entries('Payment').filter((e) => e.captured);
      for (const c of captured) {
        const p = byId.get(c.saleTransactionId!);
        if (!p) fail(`the terminal captured ${c.saleTransactionId}; no such payment in the journal`);
        else if (p.terminal_transaction_ref !== c.poiTransactionId)
          fail(
            `payment ${p.id} (${p.state}) has reference ${p.terminal_transaction_ref}, the terminal ${c.poiTransactionId}`,
          );
        else if (!['settled', 'needs_attention', 'approved'].includes(p.state))
          fail(`captured payment ${p.id} is ${p.state}`);
        else if (p.state === 'approved')
          fail(`captured payment ${p.id} still approved after settling (registration not done)`);
      }
      const capturedIds = new Set(captured.map((c) => c.saleTransactionId));
      for (const p of payments)
        if (
          p.terminal_transaction_ref !== null &&
          p.state !== 'voided' &&
          p.state !== 'declined' &&
          !capturedIds.has(p.id)
        )
          fail(`payment ${p.id} is ${p.state} with a terminal reference, but the terminal took no money`);
      const journalTotal = payments
        .filter((p) => p.terminal_transaction_ref !== null && !['voided', 'declined'].includes(p.state))
        .reduce((sum, p) => sum + p.amount_ore, 0);
      const terminalTotal = captured.reduce((sum, c) => sum + (c.amountOre ?? 0), 0);
      if (journalTotal !== terminalTotal)
        fail(`card total: journal ${journalTotal} øre, terminal ${terminalTotal} øre`);
      stats.payments = (stats.payments ?? 0) + payments.length;
      stats.captured = (stats.captured ?? 0) + captured.length;
      for (const c of captured) {
        const fees = journal
          .prepare('SELECT fee_id FROM payment_lines WHERE payment_id = ?')
          .all(c.saleTransactionId) as {
          fee_id: string;
        }[];
        for (const { fee_id } of fees) {
          const list = chargedFees.get(fee_id) ?? [];
          list.push({
            kiosk: k.index,
            paymentId: c.saleTransactionId!,
            state: byId.get(c.saleTransactionId!)?.state ?? '?',
            reason: reasonOf(c.saleTransactionId!),
          });
          chargedFees.set(fee_id, list);
        }
      }
    } finally {
      journal.close();
    }
  }
  for (const [fee, charges] of chargedFees) {
    if (charges.length < 2) continue;
    const kiosksCharging = new Set(charges.map((c) => c.kiosk));
    if (kiosksCharging.size < charges.length) {
      violations.push(`claim ${fee} charged twice at one kiosk: ${JSON.stringify(charges)}`);
      continue;
    }
    stats['cross-kiosk double charges'] = (stats['cross-kiosk double charges'] ?? 0) + 1;
    if (!charges.some((c) => c.state === 'needs_attention' && /possible double payment/u.test(c.reason)))
      violations.push(`claim ${fee} charged at both kiosks and nobody was told: ${JSON.stringify(charges)}`);
  }
  const fbsFees = peers.fbs.ledger.map((l) => l.feeId);
  const twice = fbsFees.filter((f, i) => fbsFees.indexOf(f) !== i);
  if (twice.length > 0) violations.push(`FBS registered a fee twice: ${twice.join(', ')}`);
  for (const [fee, left] of Object.entries(peers.oeir.balances()))
    if (left < 0) violations.push(`the debtor system's balance of ${fee} is ${left}`);
  return violations;
}

const kioskDataDirs = new Map<number, string>();

// ── main ──────────────────────────────────────────────────────────────────────────────────
const dir = join(tmpdir(), `kiosk-explore-${process.pid}`);
mkdirSync(dir, { recursive: true });
const peers = await startPeers({
  dir,
  kiosks: 2,
  basePort: 0,
  terminalStepMs: 20,
  terminalTimeoutMs: TERMINAL_TIMEOUT_MS,
});
const proxies: StallingProxy[] = [];
for (const peer of peers.kiosks) {
  const proxy = await startStallingProxy(peer.terminal.url, peer.terminal.caPem, peer.terminal.poiId);
  writeFileSync(join(dir, `proxy-${peer.index}-ca.pem`), proxy.caPem);
  proxies.push(proxy);
}
console.log(`scenario explorer: ${SEEDS} seed(s) from ${FIRST}, ${STEPS} steps each, 2 kiosks`);
const results: SequenceResult[] = [];
const started = performance.now();
try {
  for (let i = 0; i < SEEDS; i++) {
    const seed = FIRST + i;
    for (const peer of peers.kiosks) kioskDataDirs.set(peer.index, join(dir, `seed-${seed}`, `kiosk-${peer.index}`));
    const t0 = performance.now();
    const result = await runSequence(seed, peers, proxies, dir).catch(
      (error: unknown): SequenceResult => ({
        seed,
        steps: [],
        violations: [`the sequence failed: ${(error as Error).stack ?? String(error)}`],
        stats: {},
      }),
    );
    results.push(result);
    rmSync(join(dir, `seed-${seed}`), { recursive: true, force: true });
    const mark = result.violations.length === 0 ? '✓' : '✘';
    console.log(
      `${mark} seed ${seed}: ${result.steps.length} steps, ${result.stats.payments ?? 0} payments, ${result.stats.captured ?? 0} captured, ${Math.round((performance.now() - t0) / 1000)} s${result.violations.length ? ` — replay: npm run test:explore -- --seed ${seed}` : ''}`,
    );
    if (result.violations.length > 0) {
      for (const v of result.violations) console.log(`    ✘ ${v}`);
      console.log(`    steps: ${result.steps.join(' | ')}`);
    }
  }
} finally {
  for (const proxy of proxies) await proxy.close();
  await peers.close();
  rmSync(dir, { recursive: true, force: true });
}
const totals = results.reduce<Record<string, number>>((sum, r) => {
  for (const [key, value] of Object.entries(r.stats)) sum[key] = (sum[key] ?? 0) + value;
  return sum;
}, {});
const violations = results.reduce((n, r) => n + r.violations.length, 0);
mkdirSync(join(root, 'test-results'), { recursive: true });
writeFileSync(
  join(root, 'test-results', 'explore.json'),
  `${JSON.stringify({ first: FIRST, seeds: SEEDS, stepsPerSeed: STEPS, totals, violations, results }, null, 2)}\n`,
);
console.log(
  `scenario explorer: ${results.length} seeds, ${results.reduce((n, r) => n + r.steps.length, 0)} steps, ${violations} violations, ${Math.round((performance.now() - started) / 1000)} s; totals ${JSON.stringify(totals)}`,
);
if (violations > 0) process.exitCode = 1;
