/**
 * What the crash test and the fault matrix share: the three sandboxes (terminal simulator, FBS,
 * ØiR on mutual TLS) in the test's process, the real core in a child process that can be killed,
 * and the invariants checked afterwards against the journal and all three sandboxes' ledgers.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyAuditChain } from '../../db/audit.js';
import { TerminalSimulator } from '../../devices/terminal/simulator/server.js';
import { NetsCloudSimulator } from '../../devices/terminal/nets-cloud/simulator.js';
import { MobilePaySandbox } from '../../integrations/mobilepay/sandbox/server.js';
import { FbsSandbox } from '../../integrations/fbs/sandbox/server.js';
import { readPkcs12 } from '../../integrations/oeir/certificates.js';
import { DEMO_MUNICIPALITY_CVR } from '../../integrations/oeir/sandbox/server.js';
import { StsSandbox } from '../../integrations/oeir/sandbox/sts.js';
import { DATABASE_FILE } from '../../core/core.js';
import { tempDir } from '../support/fixtures.js';
import { startOeirFixture, type OeirFixture } from '../support/oeir-fixture.js';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy.js';

const CORE_CHILD = fileURLToPath(new URL('../crash/core-child.ts', import.meta.url));
export const TERMINAL_PASSPHRASE = 'crash test passphrase';

/** One payment for the core child: seeded FBS sandbox claims as [feeId, amountOre, route]. */
export interface ChildPayment {
  readonly patronId: string;
  readonly lines: readonly (readonly [string, number, 'fbs' | 'debtor'])[];
}

// Three payments of seeded FBS sandbox claims: both routes, FBS only, debtor only.
export const PAYMENTS: readonly ChildPayment[] = [
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

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly events: Record<string, unknown>[];
  readonly stderr: string;
}

export interface Sandboxes {
  readonly terminal: TerminalSimulator;
  /** The Nets Connect@Cloud simulator, for runs with the Nets driver (env's `driver: 'nets'`). */
  readonly nets: NetsCloudSimulator;
  /** The MobilePay sandbox, its phone approving each payment shortly after it is made (`driver: 'mobilepay'`). */
  readonly mobilepay: MobilePaySandbox;
  readonly oeir: OeirFixture;
  /** KOMBIT's STS for runs in the token model (env's `security: 'token'`); it knows the fixture's kiosk certificate. */
  readonly sts: StsSandbox;
  readonly fbs: FbsSandbox;
  /** A stalled link to the terminal, when a run asks for it (env's `viaProxy`). */
  readonly proxy: StallingProxy;
  /** Everything back to its seeded state before a run (ØiR in the certificate model). */
  reset(): void;
  /** This run's ØiR calls under the token model: the ØiR sandbox checks each token and signature. */
  useTokenModel(): void;
  /** The environment the core child needs to reach the sandboxes, with its data folder. */
  env(
    dataDir: string,
    options?: { viaProxy?: boolean; driver?: TerminalDriver; security?: OeirSecurity },
  ): Record<string, string>;
  close(): Promise<void>;
}

/** The terminal simulator's timings in the crash tests (the core child's driver matches them). */
export const SIMULATOR_TIMING = { stepMs: 30, terminalTimeoutMs: 800, slowMs: 500 } as const;

/**
 * Which way a run's core pays: nexo against the terminal simulator, Nets Connect@Cloud, or
 * MobilePay against the ePayment sandbox (the card terminal nexo beside it, unused).
 */
export type TerminalDriver = 'nexo' | 'nets' | 'mobilepay';

/** How the run's core secures its ØiR calls (integrations/oeir/config.ts `security`). */
export type OeirSecurity = 'certificate' | 'token';

/** The service entity id the token model's runs ask the STS for. */
export const STS_AUDIENCE = 'http://entityid.kombit.dk/service/oir/debitorindbetaling/1';

/** How soon the MobilePay sandbox's phone approves: within the time a payment takes in these runs. */
export const MOBILEPAY_APPROVE_AFTER_MS = 60;

export async function startSandboxes(): Promise<Sandboxes> {
  const nets = new NetsCloudSimulator({ timing: SIMULATOR_TIMING, timeZone: 'Europe/Copenhagen' });
  await nets.start();
  const mobilepay = new MobilePaySandbox({ approveAfterMs: MOBILEPAY_APPROVE_AFTER_MS });
  await mobilepay.start();
  const terminal = new TerminalSimulator({
    key: { keyIdentifier: 'CrashKey', keyVersion: 1, passphrase: TERMINAL_PASSPHRASE },
    timing: SIMULATOR_TIMING,
  });
  const fbs = new FbsSandbox();
  const pki = tempDir('kiosk-crash-pki-');
  await terminal.start();
  const oeir = await startOeirFixture();
  const kioskCert = readPkcs12(oeir.p12, oeir.password).certPem;
  const stsKey = oeir.ca.issue({ commonName: 'Crash test STS' });
  const sts = new StsSandbox({
    signing: stsKey,
    trustedCaPem: oeir.ca.certPem,
    services: [STS_AUDIENCE],
    agreements: new Map([[new X509Certificate(kioskCert).serialNumber.toUpperCase(), DEMO_MUNICIPALITY_CVR]]),
    tls: oeir.ca.issue({ commonName: 'localhost', serverNames: ['127.0.0.1', 'localhost'] }),
  });
  await sts.start();
  writeFileSync(join(pki.path, 'kiosk.p12'), oeir.p12);
  writeFileSync(join(pki.path, 'ca.pem'), oeir.ca.certPem);
  writeFileSync(join(pki.path, 'terminal-ca.pem'), terminal.caPem);
  await fbs.start();
  const proxy = await startStallingProxy(terminal.url, terminal.caPem, terminal.poiId);
  writeFileSync(join(pki.path, 'proxy-ca.pem'), proxy.caPem);
  writeFileSync(join(pki.path, 'nets-ca.pem'), nets.caPem);
  writeFileSync(join(pki.path, 'mobilepay-ca.pem'), mobilepay.caPem);
  return {
    terminal,
    nets,
    mobilepay,
    oeir,
    sts,
    fbs,
    proxy,
    useTokenModel() {
      oeir.sandbox.setTokenTrust({ stsCertPem: stsKey.certPem, audience: STS_AUDIENCE });
    },
    reset() {
      sts.reset();
      oeir.sandbox.setTokenTrust(null);
      terminal.reset();
      nets.reset();
      mobilepay.reset();
      oeir.sandbox.reset();
      fbs.reset();
    },
    env: (dataDir, options = {}) => ({
      KIOSK_DATA_DIR: dataDir,
      TERMINAL_URL: options.viaProxy ? proxy.url : terminal.url,
      TERMINAL_POIID: terminal.poiId,
      TERMINAL_CA: join(pki.path, options.viaProxy ? 'proxy-ca.pem' : 'terminal-ca.pem'),
      TERMINAL_PASSPHRASE,
      FBS_URL: fbs.url,
      OEIR_URL: oeir.sandbox.url,
      OEIR_P12: join(pki.path, 'kiosk.p12'),
      OEIR_PASSWORD: oeir.password,
      OEIR_CA: join(pki.path, 'ca.pem'),
      ...(options.security === 'token' ? { OEIR_SECURITY: 'token', STS_URL: sts.url, STS_AUDIENCE: STS_AUDIENCE } : {}),
      ...(options.driver === 'nets'
        ? {
            TERMINAL_DRIVER: 'nets',
            NETS_URL: nets.url,
            NETS_CA: join(pki.path, 'nets-ca.pem'),
            NETS_USER: nets.username,
            NETS_PASSWORD: nets.password,
            NETS_TERMINAL: nets.terminalId,
          }
        : {}),
      ...(options.driver === 'mobilepay'
        ? {
            TERMINAL_DRIVER: 'mobilepay',
            MOBILEPAY_URL: mobilepay.url,
            MOBILEPAY_CA: join(pki.path, 'mobilepay-ca.pem'),
            MOBILEPAY_CLIENT_ID: mobilepay.clientId,
            MOBILEPAY_CLIENT_SECRET: mobilepay.clientSecret,
            MOBILEPAY_SUBSCRIPTION_KEY: mobilepay.subscriptionKey,
            MOBILEPAY_MSN: mobilepay.merchantSerialNumber,
          }
        : {}),
    }),
    async close() {
      await proxy.close();
      await terminal.close();
      await nets.close();
      await mobilepay.close();
      await oeir.close();
      await sts.close();
      await fbs.close();
      pki.remove();
    },
  };
}

/**
 * Runs a child (the core by default) to its end or its death. `killAfterMs` kills it from the
 * outside with SIGKILL that long after it was spawned, `killAfterStartedMs` that long after it
 * printed its `started` event (a power cut as far as the process can tell).
 */
export function runChild(
  env: Record<string, string>,
  options: {
    script?: string;
    killAfterMs?: number;
    killAfterStartedMs?: number;
    /** Killed with SIGKILL the moment this resolves (e.g. a stalling proxy holds its request). */
    killOn?: Promise<unknown>;
    timeoutMs?: number;
  } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', options.script ?? CORE_CHILD], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let startedKill: NodeJS.Timeout | null = null;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      // Killed a while after the child said it started (its set-up is not what is under test).
      if (options.killAfterStartedMs !== undefined && !startedKill && stdout.includes('"event":"started"'))
        startedKill = setTimeout(() => child.kill('SIGKILL'), options.killAfterStartedMs);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    const kill =
      options.killAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    void options.killOn?.then(() => child.kill('SIGKILL'));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (kill) clearTimeout(kill);
      if (startedKill) clearTimeout(startedKill);
      const events = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
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

interface TerminalRequest {
  /** Our payment id, as the terminal knows it (nexo: the sale transaction id; Nets: by its orderId). */
  readonly saleTransactionId?: string | undefined;
  readonly captured: boolean;
  readonly amountOre?: number | undefined;
  /** The terminal's reference for a capture, as the journal must hold it. */
  readonly poiTransactionId?: string | undefined;
}

/**
 * The payment requests the terminal received, from its own ledger. Nets knows a purchase by the
 * orderId the kiosk sent (the journal's request reference); one the journal has no payment for
 * keeps its orderId, and then matches no payment.
 */
function terminalRequests(sandboxes: Sandboxes, driver: TerminalDriver, db: Database.Database): TerminalRequest[] {
  if (driver === 'nexo') return sandboxes.terminal.entries('Payment');
  // MobilePay knows a payment by its reference, which is the payment id; money taken is what was
  // captured and not refunded.
  if (driver === 'mobilepay')
    return [...sandboxes.mobilepay.payments.values()].map((p) => ({
      saleTransactionId: p.reference,
      captured: p.capturedOre - p.refundedOre > 0,
      amountOre: p.capturedOre - p.refundedOre,
      poiTransactionId: p.pspReference,
    }));
  const paymentFor = db.prepare('SELECT id FROM payments WHERE terminal_request_ref = ?');
  return sandboxes.nets.ledger.map((e) => ({
    saleTransactionId: (paymentFor.get(e.orderId) as { id: string } | undefined)?.id ?? `orderId:${e.orderId}`,
    captured: e.captured,
    amountOre: e.amountOre,
    poiTransactionId: e.stan || undefined,
  }));
}

/** Payment ids of the ForetagIndbetaling requests the ØiR sandbox received, in order. */
export function oeirRequestIds(oeir: OeirFixture): string[] {
  return oeir.sandbox.requests.flatMap((xml) => /IndbetalingIdentifikator>([^<]+)</.exec(xml)?.[1] ?? []);
}

/**
 * The invariants after a crash and a restart that drained the outbox, as a list of violations
 * (empty: all hold). Checked against the journal and the three sandboxes' own ledgers:
 *   - the database passes integrity_check and the audit chain is intact;
 *   - the terminal got at most one payment request per payment and captured at most once;
 *   - every capture at the terminal is a settled payment in the journal with the terminal's
 *     reference (no approved payment without a journal row), and nothing in the journal claims
 *     money the terminal did not take; nothing is left in doubt;
 *   - settled payments have every registration delivered and the amounts add up; payments that
 *     took no money have no registrations;
 *   - each claim is registered exactly once: in the FBS sandbox under the order id the outbox
 *     fixed, in the ØiR sandbox under the payment's identifier, for its amount.
 */
export function checkInvariants(
  dataDir: string,
  sandboxes: Sandboxes,
  driver: TerminalDriver = 'nexo',
  security: OeirSecurity = 'certificate',
): string[] {
  const { oeir, fbs } = sandboxes;
  const violations: string[] = [];
  const fail = (message: string): void => void violations.push(message);
  if (security === 'token') {
    // Every ØiR call carried a token the platform took, and the STS was asked once per start of
    // the core at most (the crashed run and its restart), never once per payment.
    for (const refusal of oeir.sandbox.tokenRefusals) fail(`ØiR refused a token-model call: ${refusal}`);
    if (sandboxes.sts.issued.length > 2) fail(`the STS issued ${sandboxes.sts.issued.length} tokens for two starts`);
    if (oeir.sandbox.ledger.size > 0 && oeir.sandbox.tokenCalls.length === 0)
      fail('ØiR registered payments without a token-model call');
  }
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') fail(`integrity_check: ${String(integrity)}`);
    const audit = verifyAuditChain(db);
    if (!audit.ok) fail(`audit chain broken: ${JSON.stringify(audit)}`);

    const payments = db.prepare('SELECT * FROM payments').all() as DbPayment[];
    const outbox = db.prepare('SELECT * FROM outbox').all() as DbOutbox[];
    const byId = new Map(payments.map((p) => [p.id, p]));

    const requests = terminalRequests(sandboxes, driver, db);
    // MobilePay: nothing left reserved or waiting once the kiosk has recovered — every payment
    // approved in the app was captured or cancelled, every one still waiting was cancelled.
    if (driver === 'mobilepay')
      for (const p of sandboxes.mobilepay.payments.values()) {
        if (p.state === 'CREATED') fail(`MobilePay payment ${p.reference} was left waiting for the borrower`);
        if (p.state === 'AUTHORIZED' && p.capturedOre === 0 && p.cancelledOre === 0)
          fail(`MobilePay payment ${p.reference} was approved in the app and left reserved`);
      }
    const requested = requests.map((e) => e.saleTransactionId);
    if (new Set(requested).size !== requested.length) fail(`a payment was sent to the terminal twice: ${requested}`);
    const captured = requests.filter((e) => e.captured);
    const capturedIds = captured.map((c) => c.saleTransactionId);
    if (new Set(capturedIds).size !== capturedIds.length) fail(`a payment was captured twice: ${capturedIds}`);
    const reasonOf = (id: string): string =>
      (
        db
          .prepare('SELECT reason FROM payment_transitions WHERE payment_id = ? ORDER BY rowid DESC LIMIT 1')
          .get(id) as {
          reason: string | null;
        }
      ).reason ?? '';
    for (const charge of captured) {
      const p = byId.get(charge.saleTransactionId!);
      if (!p) fail(`terminal captured ${charge.saleTransactionId}; the journal has no such payment`);
      // Settled; or a request that reached the terminal after the kiosk had concluded it never
      // would, found by the terminal check and handed to staff with the terminal's reference.
      else if (
        p.state !== 'settled' &&
        !(p.state === 'needs_attention' && reasonOf(p.id).startsWith('terminal-capture:'))
      )
        fail(`captured payment ${p.id} is ${p.state} (${reasonOf(p.id)}), not settled or flagged for staff`);
      else if (p.terminal_transaction_ref !== charge.poiTransactionId)
        fail(`payment ${p.id} has terminal reference ${p.terminal_transaction_ref}, not ${charge.poiTransactionId}`);
    }
    // No claim charged twice: the fees of all captured payments are distinct.
    const capturedFees = captured.flatMap((c) =>
      (
        db.prepare('SELECT fee_id FROM payment_lines WHERE payment_id = ?').all(c.saleTransactionId) as {
          fee_id: string;
        }[]
      ).map((l) => l.fee_id),
    );
    const twice = capturedFees.filter((fee, i) => capturedFees.indexOf(fee) !== i);
    if (twice.length > 0) fail(`claims charged twice at the terminal: ${[...new Set(twice)].join(', ')}`);
    // The day's card total in the journal equals what the terminal took.
    const journalCard = payments
      .filter((p) => p.terminal_transaction_ref !== null && p.state !== 'voided' && p.state !== 'declined')
      .reduce((sum, p) => sum + p.amount_ore, 0);
    const terminalCard = captured.reduce((sum, c) => sum + (c.amountOre ?? 0), 0);
    if (journalCard !== terminalCard)
      fail(`the journal's card total ${journalCard} øre differs from the terminal's ${terminalCard} øre`);
    for (const p of payments) {
      if (['approved', 'settled', 'needs_attention'].includes(p.state) && !capturedIds.includes(p.id))
        fail(`payment ${p.id} is ${p.state} but the terminal took no money for it`);
      if (['created', 'authorizing', 'unknown'].includes(p.state)) fail(`payment ${p.id} left ${p.state}`);
    }

    for (const p of payments) {
      const rows = outbox.filter((r) => r.payment_id === p.id);
      const lines = db
        .prepare('SELECT route, SUM(amount_ore) AS ore FROM payment_lines WHERE payment_id = ? GROUP BY route')
        .all(p.id) as { route: string; ore: number }[];
      const lineTotal = lines.reduce((sum, l) => sum + l.ore, 0);
      if (lineTotal !== p.amount_ore) fail(`payment ${p.id}: lines add up to ${lineTotal}, not ${p.amount_ore}`);
      if (p.state === 'settled') {
        if (rows.some((r) => r.state !== 'delivered')) fail(`settled payment ${p.id} has undelivered rows`);
        if (rows.length !== lines.length) fail(`payment ${p.id}: ${rows.length} rows for ${lines.length} routes`);
        const rowTotal = rows.reduce(
          (sum, r) => sum + (JSON.parse(r.payload_json) as { amountOre: number }).amountOre,
          0,
        );
        if (rowTotal !== p.amount_ore) fail(`payment ${p.id}: registrations add up to ${rowTotal}`);
      } else if (rows.length > 0) fail(`payment ${p.id} is ${p.state} and has ${rows.length} registrations`);
    }

    // ØiR: every ØiR row's payment registered once, for its amount; every request was for one.
    const oeirRows = outbox.filter((r) => r.target === 'oeir.indbetaling');
    const ledgerIds = [...oeir.sandbox.ledger.keys()].sort();
    const rowIds = oeirRows.map((r) => r.payment_id).sort();
    if (JSON.stringify(ledgerIds) !== JSON.stringify(rowIds))
      fail(`ØiR ledger ${ledgerIds} does not match the outbox's ØiR rows ${rowIds}`);
    for (const row of oeirRows) {
      const amount = (JSON.parse(row.payload_json) as { amountOre: number }).amountOre;
      const registered = oeir.sandbox.ledger.get(row.payment_id)?.amountOre;
      if (registered !== undefined && registered !== amount)
        fail(`ØiR registered ${registered} for ${row.payment_id}, not ${amount}`);
    }
    for (const id of oeirRequestIds(oeir))
      if (!oeirRows.some((r) => r.payment_id === id)) fail(`ØiR request for ${id}, which has no ØiR row`);

    // FBS: each fee registered once, under the order id the outbox fixed for its payment.
    const fbsRows = outbox.filter((r) => r.target === 'fbs.payment');
    const ledgerFees = fbs.ledger.map((l) => l.feeId);
    if (new Set(ledgerFees).size !== ledgerFees.length) fail(`a fee registered twice in FBS: ${ledgerFees}`);
    const orders = [...new Set(fbs.ledger.map((l) => l.orderId))].sort();
    const keys = fbsRows.map((r) => r.idempotency_key).sort();
    if (JSON.stringify(orders) !== JSON.stringify(keys)) fail(`FBS orders ${orders} do not match the rows ${keys}`);
    for (const row of fbsRows) {
      for (const { feeId } of (JSON.parse(row.payload_json) as { claims: { feeId: string }[] }).claims) {
        const orderId = fbs.ledger.find((l) => l.feeId === feeId)?.orderId;
        if (orderId !== row.idempotency_key)
          fail(`fee ${feeId} registered under ${orderId}, not ${row.idempotency_key}`);
      }
    }
  } finally {
    db.close();
  }
  return violations;
}
