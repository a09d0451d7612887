import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type {
  KioskEvent,
  StaffRequest,
  StaffResult,
  StaffState,
  TechnicianSettings,
  UnconfirmedDebtorPolicy,
} from '../contract/index.js';
import type { AuditLog } from '../db/audit.js';
import type { StaffAccountStore } from '../db/staff-accounts.js';
import type { TerminalTestStore } from '../db/terminal-tests.js';
import type { TerminalClosings } from './terminal-closing.js';
import { encodeReceipt } from '../devices/printer/escpos.js';
import type { ReceiptPrinter } from '../devices/printer/printer.js';
import { parseScan, type CodeRules } from '../devices/scanner/codes.js';
import type { ScanEvent } from '../devices/scanner/scan-hub.js';
import { TerminalNotReachedError, type PaymentTerminal } from '../ports/payment-terminal.js';
import type { FbsClient } from '../integrations/fbs/client.js';
import { FbsError } from '../integrations/fbs/errors.js';
import { certificateProblems, readPkcs12 } from '../integrations/oeir/certificates.js';
import { setUpOeir } from '../integrations/oeir/setup.js';
import type { KioskConfig } from '../config/config.js';
import { ConfigFile } from '../config/config-file.js';
import { decryptSecrets } from '../config/config.js';
import type { DeviceListing } from '../devices/listing.js';
import { Language, type DiagnosticCheck } from '../contract/index.js';
import type { Logger } from '../base/log.js';
import { StaffActionRefusedError, type PaymentDesk } from './payment-desk.js';
import { dayReportCsv } from './reconciliation.js';
import { maskIdentifier } from '../base/redact.js';
import { getPath, SECRET_PATHS } from '../config/secrets.js';
import type { KioskSession } from './session.js';
import { AccessDeniedError, ROLE_CAPABILITIES, type Capability, type StaffAccess } from './staff-access.js';
import { personReference } from '../base/keyed-hash.js';
import { messageOf } from '../base/errors.js';

/** Which capability each request needs: the one place the screens' permissions are decided. */
const REQUIRES: Readonly<Record<StaffRequest['op'], Capability>> = {
  day: 'queue.view',
  retry: 'queue.retry',
  resolve: 'payment.resolve',
  void: 'payment.void',
  refund: 'payment.refund',
  'confirm-reinstated': 'payment.resolve',
  reprint: 'receipt.reprint',
  'print-day': 'report.view',
  'day-csv': 'report.view',
  counter: 'checkout.counter',
  diagnose: 'devices.test',
  devices: 'devices.test',
  'terminal-test': 'devices.test',
  'terminal-reconcile': 'report.view',
  'printer-test': 'devices.test',
  restart: 'settings.change',
  'fbs-lookup': 'devices.test',
  'certificate-upload': 'certificates.manage',
  settings: 'settings.view',
  'settings-save': 'settings.change',
  accounts: 'accounts.manage',
  'account-add': 'accounts.manage',
  'account-pin': 'accounts.manage',
  'account-disable': 'accounts.manage',
  'account-card': 'accounts.manage',
};

/** How long an enrolment waits for the staff card to be scanned. */
const ENROL_WAIT_MS = 30_000;

/** A test payment above this needs the technician's explicit confirmation (real money on a real card). */

export interface StaffConsoleParts {
  readonly access: StaffAccess;
  readonly accounts: StaffAccountStore;
  readonly audit: AuditLog;
  readonly desk: PaymentDesk;
  readonly session: KioskSession;
  readonly terminal: PaymentTerminal;
  readonly printer: ReceiptPrinter;
  readonly fbs: FbsClient;
  readonly config: KioskConfig;
  readonly configFile: ConfigFile;
  readonly codeRules: CodeRules;
  readonly diagnose: () => Promise<DiagnosticCheck[]>;
  readonly devices: () => Promise<DeviceListing>;
  readonly log: Logger;
  /** The technician's terminal tests, recorded like payments (never forwarded). */
  readonly tests: TerminalTestStore;
  /** Closing the terminal's day (Nets), shared with `kiosk terminal reconcile`. */
  readonly closings: TerminalClosings;
  /** The kiosk's key for references to borrowers in the audit log (KioskKeys 'person-reference'). */
  readonly personKey: Buffer;
  /** How often idle staff sessions are looked for. */
  readonly idleCheckMs?: number;
}

/**
 * Staff mode on the kiosk's own screen: log-in (hidden gesture or staff card, then PIN), the
 * staff and technician requests, and the idle log-out. The screen never holds a token: the one
 * staff session of this screen lives here, and every request is checked against its role.
 */
export class StaffConsole {
  private token: string | null = null;
  private readonly restartListeners = new Set<() => void>();
  /** The technician's terminal test is waiting for the terminal. */
  private testRunning = false;
  private state: StaffState = { mode: 'off' };
  private readonly listeners = new Set<(event: KioskEvent) => void>();
  private readonly idleTimer: NodeJS.Timeout;
  /** A technician is enrolling a staff card: the next scan is that card, not a scanner test. */
  private enrolling: { readonly accountId: string; readonly actor: string; settle(error?: Error): void } | null = null;

  constructor(private readonly parts: StaffConsoleParts) {
    this.idleTimer = setInterval(() => this.checkIdle(), parts.idleCheckMs ?? 1_000);
    this.idleTimer.unref();
  }

  current(): StaffState {
    return this.state;
  }

  onEvent(listener: (event: KioskEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    clearInterval(this.idleTimer);
    this.listeners.clear();
  }

  /** The hidden gesture: choose an account, then the PIN. */
  begin(): void {
    if (this.state.mode === 'signed-in') return;
    if (this.borrowerMidPayment()) throw new StaffActionRefusedError('a payment is in progress', 'payment-in-progress');
    const accounts = this.parts.accounts
      .list()
      .filter((a) => !a.disabled)
      .map((a) => ({ id: a.id, name: a.name }));
    this.show({ mode: 'login', accounts, chosen: null, error: null, checking: false });
  }

  choose(accountId: string): void {
    if (this.state.mode !== 'login' || !this.state.accounts.some((a) => a.id === accountId))
      throw new StaffActionRefusedError('no such account to log in to', 'unknown-account');
    this.show({ ...this.state, chosen: accountId, error: null });
  }

  /**
   * One PIN check at a time on this kiosk: a PIN sent while another is being checked is refused
   * at once (and audited) — the screen does not offer it. So a person mashing the keypad has
   * each PIN counted in turn and the account locks at the configured count, and a flood of
   * log-in commands cannot fill Node's thread pool with scrypt work that FBS, ØiR and the disk
   * need too.
   */
  async login(pin: string): Promise<void> {
    const state = this.state;
    if (state.mode !== 'login' || !state.chosen)
      throw new StaffActionRefusedError('choose an account first', 'choose-account');
    if (state.checking) {
      this.parts.accounts.note({
        actor: 'kiosk',
        action: 'staff.login-refused',
        subject: state.chosen,
        data: { reason: 'a PIN check is running' },
      });
      throw new StaffActionRefusedError(
        'a PIN is being checked; send the next one when it is answered',
        'pin-being-checked',
      );
    }
    const checking = { ...state, error: null, checking: true };
    this.show(checking);
    const result = await this.parts.access.login({ accountId: state.chosen }, pin);
    if (this.state !== checking) return; // cancelled meanwhile
    if (!result.ok) {
      this.show({ ...state, error: result.reason === 'locked-out' ? 'locked-out' : 'wrong-pin', checking: false });
      return;
    }
    this.token = result.session.token;
    this.show({
      mode: 'signed-in',
      name: result.session.name,
      role: result.session.role,
      capabilities: [...ROLE_CAPABILITIES[result.session.role]],
      idleLogoutMs: this.parts.config.staff.idleLogoutMs,
    });
  }

  logout(): void {
    this.enrolling?.settle(new StaffActionRefusedError('logged out', 'logged-out'));
    if (this.token) this.parts.access.logout(this.token);
    this.token = null;
    if (this.state.mode !== 'off') void this.endCounterSession();
    this.show({ mode: 'off' });
  }

  activity(): void {
    if (this.token && !this.parts.access.session(this.token)) this.loggedOutIdle();
  }

  /**
   * The technician's restart: only between borrowers, audited; the shell that listens
   * (`onRestart`) stops the core and starts it again, reading the saved settings.
   */
  private restart(actor: string): StaffResult {
    if (this.parts.session.current().view.screen !== 'attract' || this.testRunning)
      throw new StaffActionRefusedError(
        'a borrower session or a test is open: finish it first',
        'borrower-session-open',
      );
    this.parts.audit.append({ actor, action: 'kiosk.restart-requested', subject: 'kiosk', data: {} });
    this.parts.log.info({ actor }, 'restart requested on the screen');
    // After this answer has reached the screen.
    setTimeout(() => {
      for (const listener of this.restartListeners) listener();
    }, 200);
    return { kind: 'restarting' };
  }

  /** A shell restarts the kiosk when asked (browser mode: in process; Electron: relaunch). */
  onRestart(listener: () => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  /** A borrower's payment is under way (or its claims are being fetched): nothing may cover it. */
  private borrowerMidPayment(): boolean {
    const screen = this.parts.session.current().view.screen;
    return screen === 'paying' || screen === 'loading';
  }

  /**
   * Scans, before the borrower's session sees them. Returns true when staff mode took the scan:
   * a staff card (log-in), a borrower's card at the counter, or a technician's scanner test.
   */
  interceptScan(event: ScanEvent): boolean {
    const code = event.type === 'scan' ? event.code : null;
    if (this.state.mode === 'signed-in') {
      if (this.state.role === 'technician' && this.enrolling && code) {
        // The card being enrolled: its number is not shown on the screen (only its hash is kept).
        const { accountId, actor, settle } = this.enrolling;
        try {
          this.parts.access.enrolCard(accountId, code.trim(), actor);
          settle();
        } catch (error) {
          settle(error as Error);
        }
        return true;
      }
      if (this.state.role === 'technician') {
        const parsed = code ? parseScan(code, this.parts.codeRules) : { kind: 'invalid' as const };
        this.emit({
          type: 'staff.scanned',
          source: event.source,
          kind: parsed.kind,
          code: code === null ? '' : parsed.kind === 'cpr' ? maskIdentifier(code) : code.slice(0, 100),
        });
        return true;
      }
      if (code && this.parts.session.current().view.screen === 'attract')
        void this.counter(code).catch((error: unknown) => this.parts.log.warn({ err: error }, 'counter scan'));
      return true;
    }
    if (code) {
      const account = this.parts.access.accountByCard(code);
      if (account && !account.disabled && this.borrowerMidPayment()) {
        // The borrower's payment keeps the screen: staff log in once it has ended.
        this.parts.log.info({ account: account.id }, 'a staff card was scanned during a payment: log in after it');
        return true;
      }
      if (account && !account.disabled) {
        this.show({
          mode: 'login',
          accounts: [{ id: account.id, name: account.name }],
          chosen: account.id,
          error: null,
          checking: false,
        });
        return true;
      }
    }
    return this.state.mode === 'login';
  }

  async request(request: StaffRequest): Promise<StaffResult> {
    const session = this.requireSession(REQUIRES[request.op]);
    const actor = `${session.role}:${session.accountId}`;
    const { desk } = this.parts;
    switch (request.op) {
      case 'day':
        return { kind: 'day', report: desk.day(request.date) };
      case 'restart':
        return this.restart(actor);
      case 'retry':
        return { kind: 'payment', payment: desk.retry(request.paymentId, actor) };
      case 'resolve':
        return { kind: 'payment', payment: desk.resolve(request.paymentId, request.resolution, actor) };
      case 'void':
        return { kind: 'payment', payment: await desk.void(request.paymentId, request.reason, actor) };
      case 'refund':
        return {
          kind: 'payment',
          payment: await desk.refund(request.paymentId, request.reason, actor, this.language()),
        };
      case 'confirm-reinstated':
        return { kind: 'payment', payment: desk.confirmReinstated(request.paymentId, request.reason, actor) };
      case 'reprint': {
        const outcome = await desk.reprint(request.paymentId, actor, this.language());
        return { kind: 'printed', printed: outcome.printed, detail: outcome.status.detail };
      }
      case 'print-day': {
        const result = await desk.printDay(desk.day(request.date), this.language());
        this.parts.audit.append({ actor, action: 'report.printed', subject: request.date ?? null, data: {} });
        return { kind: 'printed', printed: result.printed, detail: result.status.detail };
      }
      case 'day-csv': {
        const report = desk.day(request.date);
        this.parts.audit.append({ actor, action: 'report.exported', subject: report.date, data: {} });
        return { kind: 'csv', filename: `dagsopgoerelse-${report.date}.csv`, text: dayReportCsv(report) };
      }
      case 'counter':
        await this.counter(request.cardOrCpr);
        return { kind: 'counter' };
      case 'diagnose':
        return { kind: 'diagnosis', checks: await this.parts.diagnose() };
      case 'devices':
        return this.devices();
      case 'terminal-test':
        return this.terminalTest(request.amountOre, request.confirmed, actor);
      case 'terminal-reconcile':
        return this.terminalReconcile(actor);
      case 'printer-test':
        return this.printerTest(actor);
      case 'fbs-lookup':
        return this.fbsLookup(request.card, actor);
      case 'certificate-upload':
        return this.uploadCertificate(request.p12, request.password, actor);
      case 'settings':
        return { kind: 'settings', settings: this.settings(), restartNeeded: false };
      case 'accounts':
      case 'account-add':
      case 'account-pin':
      case 'account-disable':
      case 'account-card':
        return this.accounts(request, actor);
      case 'settings-save': {
        const values = Object.fromEntries(Object.entries(request.values).filter(([, v]) => v !== undefined));
        if (Object.keys(values).length === 0) throw new StaffActionRefusedError('nothing to save', 'nothing-to-save');
        this.parts.configFile.setMany(values);
        this.parts.audit.append({
          actor,
          action: 'config.changed',
          subject: null,
          data: { keys: Object.keys(values) },
        });
        return { kind: 'settings', settings: this.settings(), restartNeeded: true };
      }
    }
  }

  // ── requests ─────────────────────────────────────────────────────────────────────────────

  private async accounts(request: Extract<StaffRequest, { op: `account${string}` }>, actor: string) {
    const { access } = this.parts;
    switch (request.op) {
      case 'accounts':
        break;
      case 'account-add':
        await access.createAccount({ id: request.id, name: request.name, role: request.role, pin: request.pin }, actor);
        break;
      case 'account-pin':
        await access.changePin(request.id, request.pin, actor);
        break;
      case 'account-disable':
        access.setDisabled(request.id, request.disabled, actor);
        break;
      case 'account-card':
        if (request.action === 'remove') access.removeCard(request.id, actor);
        else await this.enrolNextScan(request.id, actor);
        break;
    }
    const accounts = access.accounts().map((a) => ({
      id: a.id,
      name: a.name,
      role: a.role,
      disabled: a.disabled,
      card: a.hasCard,
      lockedUntil: a.lockedUntil,
    }));
    return { kind: 'accounts' as const, accounts };
  }

  /** Waits for the next scan on this kiosk and enrols it as the account's staff card. */
  private enrolNextScan(accountId: string, actor: string): Promise<void> {
    if (this.enrolling)
      throw new StaffActionRefusedError('a staff card is being enrolled already', 'enrolling-already');
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle(new StaffActionRefusedError(`no card was scanned within ${ENROL_WAIT_MS / 1000} s`, 'enrol-timeout')),
        ENROL_WAIT_MS,
      );
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        this.enrolling = null;
        if (error) reject(error);
        else resolve();
      };
      this.enrolling = { accountId, actor, settle };
    });
  }

  private async counter(cardOrCpr: string): Promise<void> {
    const session = this.requireSession('checkout.counter');
    const actor = `${session.role}:${session.accountId}`;
    this.auditLookUp(actor, cardOrCpr, 'counter');
    await this.parts.session.counter(cardOrCpr, actor);
  }

  /**
   * A borrower looked up by staff (their name and debts are shown without their PIN): who, when,
   * and a keyed reference to whom — never the CPR or card number. The same borrower gives the
   * same reference on this kiosk, so an audit can follow one person's look-ups.
   */
  private auditLookUp(actor: string, cardOrCpr: string, where: 'counter' | 'fbs-test'): void {
    const scanned = parseScan(cardOrCpr, this.parts.codeRules);
    const identifier =
      scanned.kind === 'cpr'
        ? `cpr:${scanned.cpr}`
        : scanned.kind === 'library-card'
          ? `card:${scanned.cardNumber}`
          : `code:${cardOrCpr.trim()}`;
    this.parts.audit.append({
      actor,
      action: 'borrower.looked-up',
      subject: personReference(this.parts.personKey, identifier),
      data: { where, by: scanned.kind },
    });
  }

  private async endCounterSession(): Promise<void> {
    if (this.parts.session.isCounter()) await this.parts.session.command({ type: 'session.reset' });
  }

  private async devices(): Promise<StaffResult> {
    const listing = await this.parts.devices();
    const problems: string[] = [];
    if (!listing.serialPorts.ok) problems.push(listing.serialPorts.error);
    if (!listing.hid.ok) problems.push(listing.hid.error);
    return {
      kind: 'devices',
      serialPorts: listing.serialPorts.ok
        ? listing.serialPorts.ports.map((p) => `${p.path} ${p.vendorId}:${p.productId} ${p.manufacturer}`.trim())
        : [],
      hid: listing.hid.ok
        ? listing.hid.devices.map((d) => `${d.vendorId.toString(16)}:${d.productId.toString(16)} ${d.product ?? ''}`)
        : [],
      scanners: listing.scanners.map((s) => ({ id: s.id, kind: s.kind, state: s.state, detail: s.detail })),
      printer: { description: listing.printer.description, ...listing.printer.status },
      problems,
    };
  }

  /**
   * A real payment at the terminal, then its reversal: the whole path (status, payment, card,
   * reversal) is exercised and the money goes back. Audited before the terminal is asked.
   */
  private async terminalTest(amountOre: number, confirmed: boolean, actor: string): Promise<StaffResult> {
    // Always confirmed, whatever the amount: it is a real card's money.
    if (!confirmed)
      throw new StaffActionRefusedError(
        'confirm the amount: it is charged to a real card, then reversed',
        'confirm-live-test',
      );
    // One at a time: a second tap while the terminal waits for the card is told so, not sent.
    if (this.testRunning) throw new StaffActionRefusedError('a test payment is running already', 'test-running');
    this.testRunning = true;
    try {
      return await this.runTerminalTest(amountOre, actor);
    } finally {
      this.testRunning = false;
    }
  }

  private async runTerminalTest(amountOre: number, actor: string): Promise<StaffResult> {
    const { terminal } = this.parts;
    if (this.parts.session.current().view.screen !== 'attract')
      throw new StaffActionRefusedError('a borrower session is open: finish it first', 'borrower-session-open');
    const health = await terminal.health();
    if (!health.available) return { kind: 'terminal-test', outcome: 'unavailable', detail: health.detail };
    const testId = randomUUID();
    const requestRef = terminal.newRequestRef();
    const { tests } = this.parts;
    // Recorded before the terminal is asked, like a payment: if the reversal fails or the kiosk
    // stops, the day's report shows money possibly left on the card.
    tests.start(
      { id: testId, actor, amountOre, requestRef },
      { actor, action: 'terminal.test-started', subject: testId, data: { amountOre, requestRef } },
    );
    let answer: Awaited<ReturnType<PaymentTerminal['pay']>>;
    try {
      answer = await terminal.pay({ paymentId: testId, requestRef, amountOre, currency: 'DKK' });
    } catch (error) {
      if (error instanceof TerminalNotReachedError) {
        // Provably never sent: no money can have been taken.
        tests.settle(
          testId,
          'declined',
          { detail: `not sent: ${messageOf(error)}` },
          { actor, action: 'terminal.test-declined', subject: testId, data: { reason: 'not-received' } },
        );
        return { kind: 'terminal-test', outcome: 'unavailable', detail: messageOf(error) };
      }
      tests.settle(
        testId,
        'unknown',
        {
          detail: `no answer from the terminal (${messageOf(error)}): check it, and reverse the test there if charged`,
        },
        { actor, action: 'terminal.test-unknown', subject: testId, data: {} },
      );
      throw error;
    }
    if (answer.outcome === 'declined') {
      tests.settle(
        testId,
        'declined',
        { detail: answer.reason },
        { actor, action: 'terminal.test-declined', subject: testId, data: { reason: answer.reason } },
      );
      return { kind: 'terminal-test', outcome: 'declined', detail: answer.reason };
    }
    tests.settle(
      testId,
      'approved',
      { transactionRef: answer.transactionRef, detail: 'approved; reversing' },
      { actor, action: 'terminal.test-approved', subject: testId, data: { transactionRef: answer.transactionRef } },
    );
    const reversal = await terminal
      .reverse({
        paymentId: testId,
        transactionRef: answer.transactionRef,
        transactionTime: answer.transactionTime ?? new Date().toISOString(),
        amountOre,
      })
      .catch((error: unknown) => ({ outcome: 'failed' as const, detail: messageOf(error) }));
    const reversed = reversal.outcome === 'reversed';
    tests.settle(
      testId,
      reversed ? 'reversed' : 'reversal-failed',
      { detail: reversed ? 'reversed' : reversal.detail },
      {
        actor,
        action: reversed ? 'terminal.test-reversed' : 'terminal.test-reversal-failed',
        subject: testId,
        data: { transactionRef: answer.transactionRef },
      },
    );
    const card = answer.card.last4 ? ` (${answer.card.scheme ?? 'card'} •••• ${answer.card.last4})` : '';
    return {
      kind: 'terminal-test',
      outcome: 'approved',
      reversed,
      reference: answer.transactionRef,
      detail:
        reversal.outcome === 'reversed'
          ? `approved ${answer.transactionRef}${card}; reversed`
          : `approved ${answer.transactionRef}${card}; REVERSAL REFUSED (${reversal.detail}): reverse it on the terminal`,
    };
  }

  /**
   * Closes the terminal's day (Nets' reconciliation) and puts the kiosk's own card totals beside
   * its printout: staff compare them (Connect@Cloud gives its totals as printed text only). Not
   * while a borrower pays; recorded for the day's report and audited (core/terminal-closing.ts).
   */
  private async terminalReconcile(actor: string): Promise<StaffResult> {
    const { closings } = this.parts;
    if (!closings.supported)
      throw new StaffActionRefusedError(
        'this terminal closes its day by itself (Adyen): nothing to reconcile here',
        'closing-not-needed',
      );
    const closing = await closings.closeNow(actor);
    if (closing.state !== 'done')
      throw new Error(`the terminal did not close its day: ${closing.detail ?? closing.state}`);
    return {
      kind: 'terminal-reconciliation',
      at: closing.closedAt!,
      session: closing.session,
      lines: closing.lines.slice(0, 500),
      kioskCard: closing.kioskCard!,
    };
  }

  private async printerTest(actor: string): Promise<StaffResult> {
    const { config, printer } = this.parts;
    const blocks = [
      { kind: 'heading' as const, text: config.library.name },
      { kind: 'heading' as const, text: 'Testside / Test page' },
      { kind: 'text' as const, text: new Date().toISOString() },
      { kind: 'rule' as const },
      { kind: 'text' as const, text: 'ÆØÅ æøå – 0123456789' },
      { kind: 'amount' as const, label: 'Beløb', amount: '1.234,50 kr.' },
    ];
    const result = await printer.print(encodeReceipt(blocks, { columns: config.printer.columns }));
    this.parts.audit.append({ actor, action: 'printer.test-page', subject: null, data: { printed: result.printed } });
    return { kind: 'printed', printed: result.printed, detail: result.status.detail };
  }

  private async fbsLookup(card: string, actor: string): Promise<StaffResult> {
    this.auditLookUp(actor, card, 'fbs-test');
    try {
      await this.parts.fbs.logInNow();
      const { patronId } = await this.parts.fbs.preauthenticate(card);
      const claims = await this.parts.fbs.claims(patronId);
      return {
        kind: 'fbs-lookup',
        found: true,
        detail: `patron ${patronId}: ${claims.length} open claim(s)`,
        patronId,
        openClaims: claims.length,
      };
    } catch (error) {
      if (error instanceof FbsError && error.code === 'invalid-credentials')
        return { kind: 'fbs-lookup', found: false, answered: true, detail: 'logged in; FBS does not know this card' };
      return { kind: 'fbs-lookup', found: false, answered: false, detail: messageOf(error) };
    }
  }

  /**
   * The municipality's organisation certificate: read with its password (refused if wrong or
   * expired), stored next to the config file (0600), its password encrypted, then a test call.
   */
  private async uploadCertificate(p12Base64: string, password: string, actor: string): Promise<StaffResult> {
    const file = Buffer.from(p12Base64, 'base64');
    let cert;
    try {
      cert = readPkcs12(file, password);
    } catch (error) {
      throw new StaffActionRefusedError(
        `the certificate cannot be read: ${messageOf(error)}`,
        'certificate-unreadable',
        messageOf(error),
      );
    }
    const expired = certificateProblems(cert).find((p) => p.kind !== 'expires-soon');
    if (expired) throw new StaffActionRefusedError(expired.message, 'certificate-expired', expired.message);
    const path = join(dirname(this.parts.configFile.path), 'oeir-certificate.p12');
    writeFileSync(path, file, { mode: 0o600 });
    this.parts.configFile.setMany({ 'oeir.certificatePath': path, 'oeir.certificatePassword': password });
    this.parts.audit.append({
      actor,
      action: 'certificate.installed',
      subject: cert.serialNumber,
      data: { subject: cert.subject, notAfter: cert.notAfter.toISOString() },
    });
    let testCall: string;
    if (this.parts.config.oeir.environment === 'sandbox') {
      testCall =
        'demo mode: the ØiR sandbox uses its own certificate; this one is used after a restart in exttest/prod';
    } else {
      const oeir = await setUpOeir(
        { ...this.parts.config.oeir, certificatePath: path, certificatePassword: password },
        this.parts.log,
      );
      try {
        if (!oeir.link) testCall = `not possible: ${oeir.problems.join('; ')}`;
        else {
          await oeir.link.search(['0']);
          testCall = 'test call answered (SøgDelfordring)';
        }
      } catch (error) {
        testCall = `test call failed: ${messageOf(error)}`;
      } finally {
        await oeir.close();
      }
    }
    return { kind: 'certificate', subject: cert.subject, notAfter: cert.notAfter.toISOString(), testCall };
  }

  private settings(): TechnicianSettings {
    const effective = this.parts.configFile.effective();
    const raw = this.parts.configFile.raw();
    const secrets = Object.fromEntries(
      SECRET_PATHS.map((k) => {
        const value = getPath(raw, k);
        return [k, typeof value === 'string' && value !== '' ? 'set' : 'not set'] as const;
      }),
    );
    let certificate: TechnicianSettings['certificate'] = null;
    const path = getPath(effective, 'oeir.certificatePath');
    try {
      if (typeof path === 'string' && path) {
        // The password is only decrypted in memory, to read the expiry; it is never sent.
        const password = getPath(decryptSecrets(raw, this.parts.configFile.path), 'oeir.certificatePassword');
        if (typeof password !== 'string') throw new Error('no certificate password');
        const cert = readPkcs12(readFileSync(path), password);
        certificate = { subject: cert.subject, notAfter: cert.notAfter.toISOString() };
      }
    } catch {
      certificate = null;
    }
    return {
      language: Language.parse(getPath(effective, 'ui.language')),
      idleTimeoutMs: getPath(effective, 'ui.idleTimeoutMs') as number,
      pinRequired: getPath(effective, 'ui.pinRequired') as boolean,
      offlinePolicy: getPath(effective, 'oeir.offlinePolicy') as UnconfirmedDebtorPolicy,
      receiptText: getPath(effective, 'library.receiptText') as string,
      secrets,
      certificate,
    };
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────

  private requireSession(capability: Capability) {
    if (!this.token) throw new AccessDeniedError('not-logged-in', 'log in first');
    try {
      return this.parts.access.require(this.token, capability);
    } catch (error) {
      if (error instanceof AccessDeniedError && error.reason === 'not-logged-in') this.loggedOutIdle();
      throw error;
    }
  }

  private checkIdle(): void {
    if (this.token && this.parts.access.expireIdle().some((s) => s.token === this.token)) this.loggedOutIdle();
  }

  private loggedOutIdle(): void {
    this.token = null;
    this.enrolling?.settle(new StaffActionRefusedError('logged out', 'logged-out'));
    void this.endCounterSession();
    this.show({ mode: 'off' });
  }

  private language(): Language {
    return this.parts.session.current().language;
  }

  private show(state: StaffState): void {
    this.state = state;
    this.emit({ type: 'staff.state', state });
  }

  private emit(event: KioskEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.parts.log.error({ err: error }, 'staff listener failed');
      }
    }
  }
}
