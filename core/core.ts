import { join } from 'node:path';
import type { Payment } from '../contract/index.js';
import { AuditLog, verifyAuditChain, type AuditVerdict } from '../db/audit.js';
import { PaymentJournal } from '../db/journal.js';
import { openDatabase, type Db } from '../db/open.js';
import { OutboxStore } from '../db/outbox.js';
import type { PaymentTerminal } from '../ports/payment-terminal.js';
import { Checkout, type CheckoutParts, type VerifyClaims } from './checkout.js';
import { ClaimStanding, type ClaimStandingParts } from './claim-standing.js';
import type { KioskConfig } from '../config/config.js';
import { armFaultPointFromEnv } from '../base/faults.js';
import { StorageGuard } from './storage.js';
import { createLogger, type Logger } from '../base/log.js';
import type { TargetHandler } from '../ports/outbox-target.js';
import { OutboxWorker } from './outbox-worker.js';
import { TerminalMonitor } from './terminal-monitor.js';
import { TerminalAudit } from './terminal-audit.js';
import { TerminalRecovery } from './terminal-recovery.js';
import { messageOf } from '../base/errors.js';

export interface CoreOptions {
  readonly config: KioskConfig & { readonly dataDir: string };
  readonly terminal: PaymentTerminal;
  /** Outbox target handlers, registered by the integrations. */
  readonly targets?: Readonly<Record<string, TargetHandler>>;
  /**
   * Where the kiosk learns whether a claim may be charged besides its own journal: FBS's view
   * and the debtor system's, and the policy for claims the debtor system cannot confirm. Without
   * it only the journal is asked (tests of the payment path alone).
   */
  readonly claimSources?: Omit<ClaimStandingParts, 'journal' | 'log' | 'now'>;
  /** Replaces the whole check before charging (tests). */
  readonly verifyClaims?: VerifyClaims;
  /** Whether a method other than the card terminal (MobilePay) can take a payment now. */
  readonly methodHealth?: CheckoutParts['methodHealth'];
  /** True in a packaged build: fault points can never be armed there. */
  readonly packaged: boolean;
  readonly log?: Logger;
  readonly env?: NodeJS.ProcessEnv;
  /** The wall clock for the journal, audit and outbox (tests move it: outages a day long, clock jumps). */
  readonly now?: () => number;
}

export interface StartupReport {
  /** Intents that never reached the terminal (crash before `authorizing`): closed as declined. */
  readonly abandoned: readonly string[];
  /** Payments in `authorizing` or `unknown`: money may have been taken; recovery must ask the terminal. */
  readonly inDoubt: readonly Payment[];
  readonly audit: AuditVerdict;
}

export const DATABASE_FILE = 'kiosk.sqlite';

/**
 * The core: the composition root that owns the database (the only writer), the journal, the
 * outbox worker and the checkout. The Electron shell and the browser-mode server both talk to
 * this object; neither has any logic of its own.
 */
export class Core {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly outbox: OutboxStore;
  readonly journal: PaymentJournal;
  readonly worker: OutboxWorker;
  readonly checkout: Checkout;
  readonly monitor: TerminalMonitor;
  readonly recovery: TerminalRecovery;
  /** Checks every payment request against the terminal's own record once it can no longer be in flight. */
  readonly terminalAudit: TerminalAudit;
  /** Which claims may be charged now: the journal first, then FBS and the debtor system. */
  readonly standing: ClaimStanding;
  readonly log: Logger;
  /** Start-up recovery of in-doubt payments; new checkouts wait for it. */
  recovered: Promise<Payment[]> = Promise.resolve([]);

  constructor(options: CoreOptions) {
    this.log = options.log ?? createLogger({ level: options.config.log.level });
    const armed = armFaultPointFromEnv(options.env ?? process.env, options.packaged);
    if (armed) this.log.warn({ faultPoint: armed }, 'fault point armed (test run)');

    this.db = openDatabase(join(options.config.dataDir, DATABASE_FILE), {
      onTightened: (change) => this.log.warn({ change }, 'journal permissions narrowed'),
    });
    const now = options.now ?? Date.now;
    const date = (): Date => new Date(now());
    this.audit = new AuditLog(this.db, date);
    this.outbox = new OutboxStore(this.db, now);
    this.journal = new PaymentJournal(this.db, this.outbox, this.audit, date);
    this.worker = new OutboxWorker(this.outbox, options.config.outbox, this.log, now);
    for (const [target, handler] of Object.entries(options.targets ?? {})) this.worker.register(target, handler);
    const terminalConfig = options.config.terminal;
    this.monitor = new TerminalMonitor(options.terminal, this.log, terminalConfig.healthIntervalMs);
    this.recovery = new TerminalRecovery(
      this.journal,
      options.terminal,
      this.log,
      { pollIntervalMs: terminalConfig.statusPollMs, giveUpAfterMs: terminalConfig.resolveGiveUpMs },
      now,
      (entry) => this.audit.append({ actor: 'system', ...entry }),
    );
    this.terminalAudit = new TerminalAudit({
      journal: this.journal,
      terminal: options.terminal,
      log: this.log.child({ part: 'terminal-check' }),
      intervalMs: terminalConfig.auditIntervalMs,
      now,
      onApproved: () => this.worker.wake(),
      terminalBusy: () => this.checkout.busy(),
    });
    this.standing = new ClaimStanding({
      journal: this.journal,
      fbsChanges: () => Promise.resolve([]),
      debtorLookUp: () => Promise.resolve([]),
      policy: 'counter-only',
      confirmationValidMs: 0,
      ...options.claimSources,
      now,
      log: this.log.child({ part: 'claims' }),
    });
    this.checkout = new Checkout({
      journal: this.journal,
      terminal: options.terminal,
      monitor: this.monitor,
      recovery: this.recovery,
      log: this.log,
      onApproved: () => this.worker.wake(),
      onFinished: () => this.terminalAudit.afterPayment(),
      storage: new StorageGuard(options.config.dataDir, options.config.storage.minFreeMbToPay),
      recordRetryMs: terminalConfig.statusPollMs,
      ...(options.methodHealth ? { methodHealth: options.methodHealth } : {}),
      verifyClaims: options.verifyClaims ?? ((request) => this.standing.verifyBeforeCharge(request)),
    });
  }

  /** Start-up recovery report, then the outbox starts forwarding what is waiting. */
  start(): StartupReport {
    const audit = verifyAuditChain(this.db);
    if (!audit.ok) this.log.error({ audit }, 'audit chain is broken: the journal may have been tampered with');

    // `authorizing` is persisted before the terminal is asked, so a payment still in `created`
    // was never sent to the terminal: no money moved, and it is safe to close.
    const abandoned = this.journal.listByState(['created']).map((p) => p.id);
    for (const id of abandoned)
      this.journal.decline(id, 'abandoned', 'the kiosk restarted before the terminal was asked', 'system');

    // A staff void interrupted by a restart: the registrations are held, and whether the terminal
    // reversed the money is not known. Staff check the terminal's journal and void or retry.
    for (const id of this.journal.listWithHeldRegistrations())
      this.journal.flagForStaff(id, 'a void was interrupted by a restart: check the terminal journal', 'system');

    const inDoubt = this.journal.listInDoubt();
    for (const payment of inDoubt) {
      // Never dropped and never charged again: the terminal is asked what became of it.
      this.log.warn(
        { paymentId: payment.id, state: payment.state, amountOre: payment.amountOre },
        'payment in doubt at start-up: asking the terminal',
      );
      this.audit.append({
        actor: 'system',
        action: 'recovery.pending',
        subject: payment.id,
        data: { state: payment.state },
      });
    }
    this.recovered = this.recoverInDoubt(inDoubt);
    this.checkout.holdUntil(this.recovered);
    this.monitor.start();
    this.worker.start();
    // After recovery: the payments it resolved (and any earlier ones) are checked at the terminal.
    void this.recovered.then(() => this.terminalAudit.start());
    this.log.info(
      { abandoned: abandoned.length, inDoubt: inDoubt.length, outbox: this.outbox.counts() },
      'core started',
    );
    return { abandoned, inDoubt, audit };
  }

  /** One at a time: the terminal has one conversation at a time too. */
  private async recoverInDoubt(payments: readonly Payment[]): Promise<Payment[]> {
    const results: Payment[] = [];
    for (const payment of payments) {
      try {
        results.push(await this.recovery.resolve(payment));
      } catch (error) {
        // Only the database can fail here; the payment stays in doubt for the next start.
        this.log.error({ paymentId: payment.id, error: messageOf(error) }, 'recovery failed');
      }
    }
    if (results.some((p) => p.state === 'approved')) this.worker.wake();
    return results;
  }

  async stop(): Promise<void> {
    this.monitor.stop();
    this.recovery.stop();
    await this.recovered;
    await this.terminalAudit.stop();
    await this.worker.stop();
    this.db.close();
  }
}
