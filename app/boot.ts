import { readFileSync, statfsSync } from 'node:fs';
import { listDevices, type DeviceListing } from '../devices/listing.js';
import { OpsReads } from '../db/ops-reads.js';
import { opsRegistry } from './ops-metrics.js';
import { startOpsServer, type OpsServer, type ReadinessCheck } from './ops-server.js';
import type { ScanHub } from '../devices/scanner/scan-hub.js';
import type { FbsClient } from '../integrations/fbs/client.js';
import type { PrinterSetup } from '../devices/printer/setup.js';
import type { TerminalSetup } from '../devices/terminal/setup.js';
import type { OeirSetup } from '../integrations/oeir/setup.js';
import { openParts } from './parts.js';
import { fbsPaymentTarget } from '../integrations/fbs/payment-target.js';
import type { FbsSandbox } from '../integrations/fbs/sandbox/server.js';
import { FbsError } from '../integrations/fbs/errors.js';
import { FBS_PAYMENT_TARGET, OEIR_PAYMENT_TARGET } from '../ports/outbox-target.js';
import type { KioskConfig } from '../config/config.js';
import { Core, type StartupReport } from '../core/core.js';
import { createLogger, logDir, rollingFileAndStdout, type Logger } from '../base/log.js';
import { shutdownStep } from '../base/shutdown.js';
import { messageOf } from '../base/errors.js';
import { Receipts } from '../core/receipts.js';
import { KioskSession } from '../core/session.js';
import { StaffAccountStore } from '../db/staff-accounts.js';
import { KioskKeys } from '../db/kiosk-keys.js';
import { TerminalTestStore } from '../db/terminal-tests.js';
import { TerminalClosingStore } from '../db/terminal-closings.js';
import { RefundStore } from '../db/refunds.js';
import { TerminalClosings } from '../core/terminal-closing.js';
import { PaymentMethods } from '../core/payment-methods.js';
import type { MobilePaySetup } from '../integrations/mobilepay/setup.js';
import type { MobilePaySandbox } from '../integrations/mobilepay/sandbox/server.js';
import { removePublishedDemoAccounts, seedDemoAccounts, StaffAccess } from '../core/staff-access.js';
import { compileCardPatterns } from '../devices/scanner/codes.js';
import { PaymentDesk } from '../core/payment-desk.js';
import { StaffConsole } from '../core/staff-console.js';
import { ConfigFile } from '../config/config-file.js';
import { configPath } from '../config/config.js';
import { runDiagnostics } from './diagnostics.js';
import { Reconciliation } from '../core/reconciliation.js';
import { claimSourcesFor } from '../core/claim-sources.js';

export interface Kiosk {
  readonly core: Core;
  /** The operations listener (metrics, health), when `ops.listen` is set. */
  readonly ops: OpsServer | null;
  readonly fbs: FbsClient;
  /** The ØiR link, its status and problems (for diagnostics). */
  readonly oeir: OeirSetup;
  readonly terminal: TerminalSetup;
  /** Every scanner's codes, one stream. */
  readonly scanners: ScanHub;
  readonly printer: PrinterSetup;
  readonly receipts: Receipts;
  /** Staff and technician log-in, lock-out and permissions. */
  readonly staff: StaffAccess;
  /** Staff's work with the day's payments: queue, retry, resolve, void, reprint, reconciliation. */
  readonly desk: PaymentDesk;
  /** Staff mode on the screen: log-in, the staff and technician requests, idle log-out. */
  readonly staffConsole: StaffConsole;
  /** The borrower's session at the screen: the state machine both shells drive. */
  readonly session: KioskSession;
  readonly report: StartupReport;
  /** Serial ports, HID devices, scanner and printer status, for the technician screen. */
  devices(): Promise<DeviceListing>;
  /** Sandboxes started for demo mode, so a technician can find them. */
  readonly sandboxes: {
    readonly fbs: FbsSandbox | null;
    readonly oeir: string | null;
    readonly terminal: string | null;
    readonly printer: string | null;
    readonly mobilepay: MobilePaySandbox | null;
  };
  /** MobilePay, when offered. */
  readonly mobilepay: MobilePaySetup;
  stop(): Promise<void>;
}

/**
 * Composition of the whole kiosk, shared by the Electron shell and browser mode: integrations
 * (or, in demo mode without addresses, their sandboxes), then the core with their outbox targets.
 */
export async function bootKiosk(
  config: KioskConfig & { dataDir: string },
  options: {
    packaged: boolean;
    log?: Logger;
    /** Where technicians' settings are saved; default: $KIOSK_CONFIG. */ configFile?: string;
    /** The core's wall clock (tests move it: the scenario explorer's clock jumps). */
    now?: () => number;
  },
): Promise<Kiosk> {
  const log =
    options.log ??
    createLogger({ level: config.log.level, destination: await rollingFileAndStdout(logDir(config.dataDir)) });

  const parts = await openParts(config, log);
  const { fbs, oeir, terminal, mobilepay, printer, scanners } = parts;
  let core: Core;
  // The card terminal and MobilePay behind one port: each payment's calls go to the method it used.
  const methods = new PaymentMethods(terminal.terminal, mobilepay.payments, (id) => core.journal.get(id).method);
  try {
    core = new Core({
      config,
      terminal: methods,
      methodHealth: (method) => methods.health(method),
      targets: { [FBS_PAYMENT_TARGET]: fbsPaymentTarget(fbs), [OEIR_PAYMENT_TARGET]: oeir.target },
      // Besides the kiosk's own journal: FBS for every claim, the debtor system for debtor-route ones.
      claimSources: claimSourcesFor(fbs, oeir, config.oeir),
      packaged: options.packaged,
      log,
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    // A journal that cannot be opened stops the kiosk; leave nothing running behind it.
    await parts.close();
    throw error;
  }
  const report = core.start();
  try {
    const receipts = new Receipts({
      journal: core.journal,
      printer: printer.printer,
      library: config.library,
      columns: config.printer.columns,
      audit: (paymentId, printed, status) =>
        core.audit.append({
          actor: 'kiosk',
          action: printed ? 'receipt.printed' : 'receipt.not-printed',
          subject: paymentId,
          data: { printer: status.state },
        }),
      log,
    });
    const staffAccounts = new StaffAccountStore(core.db, core.audit);
    const keys = new KioskKeys(core.db);
    const staff = new StaffAccess(staffAccounts, { ...config.staff, cardKey: keys.key('staff-card') });
    if (config.mode === 'demo') await seedDemoAccounts(staff, staffAccounts);
    else {
      for (const change of await removePublishedDemoAccounts(staff, staffAccounts))
        log.warn({ change }, 'staff accounts');
      if (!staffAccounts.list().some((a) => a.role === 'technician' && !a.disabled))
        log.warn('no technician account: nobody can manage this kiosk on its screen; run `kiosk setup`');
    }
    const terminalTests = new TerminalTestStore(core.db, core.audit);
    for (const test of terminalTests.markInterrupted())
      log.warn({ testId: test.id, amountOre: test.amountOre }, 'a terminal test was cut short: check the terminal');
    const closingStore = new TerminalClosingStore(core.db, core.audit);
    for (const closing of closingStore.markInterrupted())
      log.warn({ closingId: closing.id }, 'closing the terminal’s day was cut short: see the terminal’s own report');
    const refunds = new RefundStore(core.db, core.audit);
    for (const refund of refunds.markInterrupted())
      log.warn({ paymentId: refund.paymentId }, 'a refund was cut short: it may have been paid back; staff check it');
    const desk = new PaymentDesk({
      journal: core.journal,
      reconciliation: new Reconciliation(core.journal, core.outbox, config.library.timeZone, {
        tests: terminalTests,
        closings: closingStore,
        refunds,
      }),
      refunds,
      terminal: methods,
      receipts,
      printer: printer.printer,
      columns: config.printer.columns,
      timeZone: config.library.timeZone,
      libraryName: config.library.name,
      wake: () => core.worker.wake(),
      log: log.child({ part: 'desk' }),
    });
    const codeRules = { libraryCardPatterns: compileCardPatterns(config.scanner.libraryCardPatterns) };
    const session: KioskSession = new KioskSession({
      identify: (cardOrCpr, pin) => fbs.identify(cardOrCpr, pin),
      // At the counter staff decide about blocked borrowers; at the kiosk the config does.
      identifyWithoutPin: (cardOrCpr) =>
        fbs.identifyPreauthenticated(cardOrCpr, {
          allowBlocked: session.isCounter() || config.fbs.allowBlockedBorrowers,
        }),
      pinRequired: config.ui.pinRequired,
      pinLength: config.fbs.pinLength,
      pinAttemptsBeforeLock: config.fbs.pinAttemptsBeforeLock,
      cardKnown: async (cardOrCpr) => {
        try {
          await fbs.preauthenticate(cardOrCpr);
          return true;
        } catch (error) {
          if (error instanceof FbsError && error.code === 'invalid-credentials') return false;
          if (error instanceof FbsError && (error.code === 'locked-out' || error.code === 'blocked')) return true;
          throw error;
        }
      },
      interceptScan: (event) => staffConsole.interceptScan(event),
      checkout: core.checkout,
      standing: core.standing,
      refreshClaims: (patronId) => fbs.claims(patronId),
      journal: core.journal,
      receipts,
      scanners,
      codeRules,
      language: config.ui.language,
      paymentMethods: methods.offered,
      ...(mobilepay.sandbox ? { demoPhone: (answer) => void mobilepay.sandbox!.answerLatest(answer) } : {}),
      log: log.child({ part: 'session' }),
    });
    const closings = new TerminalClosings({
      store: closingStore,
      terminal: terminal.terminal,
      // The card terminal's own day: MobilePay's money never went through it.
      kioskCard: () => desk.day().totals.byMethod.card,
      blockedBy: () =>
        core.checkout.busy()
          ? { message: 'a payment is in progress', code: 'payment-in-progress' }
          : session.current().view.screen !== 'attract'
            ? { message: 'a borrower session is open: finish it first', code: 'borrower-session-open' }
            : null,
      log: log.child({ part: 'terminal-closing' }),
      pollMs: 2_000,
    });
    if (closings.supported) closings.start();
    const devices = () => listDevices({ scanners, printer: printer.printer });
    const configFile = new ConfigFile(options.configFile ?? configPath());
    const staffConsole: StaffConsole = new StaffConsole({
      access: staff,
      accounts: staffAccounts,
      audit: core.audit,
      desk,
      session,
      terminal: terminal.terminal,
      printer: printer.printer,
      fbs,
      config,
      configFile,
      codeRules,
      diagnose: () =>
        runDiagnostics({
          config: () => configFile.validate(),
          db: core.db,
          dataDir: config.dataDir,
          minFreeDiskMb: config.diagnostics.minFreeDiskMb,
          ...parts.diagnosticParts(),
        }),
      devices,
      personKey: keys.key('person-reference'),
      tests: terminalTests,
      closings,
      log: log.child({ part: 'staff' }),
    });

    const ops = config.ops.listen
      ? await startOpsServer({
          listen: config.ops.listen,
          bearerToken: config.ops.bearerToken,
          registry: opsRegistry({
            reads: new OpsReads(core.db),
            mode: config.mode,
            version: appVersion(),
            links: () => ({
              ...(fbs.reachable === null ? {} : { fbs: fbs.reachable }),
              oeir: oeir.status().online,
              terminal: core.monitor.current.available,
              ...(oeir.tokenStatus() ? { sts: oeir.tokenStatus()?.state === 'valid' } : {}),
            }),
            certificates: () => ({ oeir: oeir.certificate?.notAfter ?? null }),
            printer: () => printer.printer.status(),
            scanners: () => scanners.status(),
            dayMismatches: () => desk.day().mismatches.length,
            sessionEndings: () => session.endings(),
            dataDir: config.dataDir,
          }),
          readiness: () => readiness(config, core),
          log: log.child({ part: 'ops' }),
        })
      : null;

    return {
      core,
      ops,
      fbs,
      oeir,
      terminal,
      scanners,
      printer: printer,
      receipts,
      session,
      staff,
      desk,
      report,
      devices,
      staffConsole,
      sandboxes: {
        fbs: parts.fbsSandbox,
        oeir: oeir.sandbox?.url ?? null,
        terminal: terminal.simulator?.url ?? terminal.netsSimulator?.url ?? null,
        printer: printer.simulator ? `tcp://${printer.simulator.host}:${printer.simulator.port}` : null,
        mobilepay: mobilepay.sandbox,
      },
      mobilepay,
      async stop() {
        await shutdownStep(log, 'operations listener', () => ops?.close() ?? Promise.resolve());
        await shutdownStep(log, 'session (a payment in progress ends first)', () => session.settled());
        staffConsole.stop();
        await shutdownStep(log, 'closing the terminal’s day, if under way', () => closings.stop());
        session.stop();
        await shutdownStep(log, 'core (recovery, outbox calls in flight, journal)', () => core.stop());
        await parts.close();
        // The log's last lines reach its files before the process may end.
        await new Promise<void>((resolve) => log.flush(() => resolve()));
      },
    };
  } catch (error) {
    // Nothing may keep running behind a kiosk that did not start (a failure after the core
    // started: the staff accounts, the screen's parts): stop the core, then the parts.
    await shutdownStep(log, 'core (start failed)', () => core.stop());
    await parts.close();
    throw error;
  }
}

/**
 * Can the kiosk take a card payment now: the terminal answers, the journal is readable and the
 * disk has the room the checkout asks for. Local facts only (no call to FBS or ØiR): asked by
 * load balancers and uptime checks, often.
 */
function readiness(config: KioskConfig & { dataDir: string }, core: Core): ReadinessCheck[] {
  const terminal = core.monitor.current;
  const checks: ReadinessCheck[] = [
    {
      part: 'terminal',
      ok: terminal.available,
      detail: terminal.available ? 'answers' : `${terminal.reason}: ${terminal.detail}`,
    },
  ];
  try {
    core.db.prepare('SELECT 1').get();
    checks.push({ part: 'journal', ok: true, detail: 'readable' });
  } catch (error) {
    checks.push({ part: 'journal', ok: false, detail: messageOf(error) });
  }
  const free = statfsSync(config.dataDir);
  const freeMb = (free.bavail * free.bsize) / 1024 / 1024;
  checks.push({
    part: 'disk',
    ok: freeMb >= config.storage.minFreeMbToPay,
    detail: `${Math.floor(freeMb)} MB free (payments need ${config.storage.minFreeMbToPay} MB)`,
  });
  return checks;
}

/** The app's version, from its package.json (next to the sources, or above the build). */
function appVersion(): string {
  for (const path of ['../package.json', '../../package.json'])
    try {
      return (
        (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown'
      );
    } catch {
      // not there: the other place
    }
  return 'unknown';
}
