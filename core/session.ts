import type {
  Claim,
  ClaimNote,
  DeclineCode,
  KioskCommand,
  Language,
  PaymentLine,
  PaymentMethod,
  SessionView,
} from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import { parseScan, type CodeRules } from '../devices/scanner/codes.js';
import type { ScanEvent, ScanHub } from '../devices/scanner/scan-hub.js';
import { WEDGE_SOURCE } from '../devices/scanner/setup.js';
import { TerminalBusyError, type TerminalProgress } from '../ports/payment-terminal.js';
import type { Identified } from '../integrations/fbs/client.js';
import { FbsError } from '../integrations/fbs/errors.js';
import { CardPaymentUnavailableError, ClaimsChangedError, PaymentNotRecordedError, type Checkout } from './checkout.js';
import { blocks, type ClaimStanding } from './claim-standing.js';
import { StorageFullError } from './storage.js';
import type { Logger } from '../base/log.js';
import type { Receipts } from './receipts.js';
import { ExpectedError } from '../base/errors.js';

export class CommandRejectedError extends ExpectedError {
  override name = 'CommandRejectedError';
}

export interface SessionParts {
  readonly identify: (cardOrCpr: string, pin: string) => Promise<Identified>;
  /** Look-up without the borrower's PIN: staff at the counter, or a kiosk set to need no PIN. */
  readonly identifyWithoutPin: (cardOrCpr: string) => Promise<Identified>;
  /** False: a scanned card goes straight to the claims. */
  readonly pinRequired?: boolean;
  /** The library's PIN length (FBS): only a complete PIN is sent. */
  readonly pinLength?: number;
  /** Wrong PINs in a row before FBS locks a card, as the library set it in FBS. */
  readonly pinAttemptsBeforeLock?: number;
  /**
   * Whether FBS knows this card or CPR at all (a look-up without PIN). FBS answers INVALID for an
   * unknown card and for a wrong PIN alike; this tells the borrower which it was.
   */
  readonly cardKnown?: (cardOrCpr: string) => Promise<boolean>;
  /** Staff mode sees every scan first; true means it took the scan. */
  readonly interceptScan?: (event: ScanEvent) => boolean;
  readonly checkout: Checkout;
  /** Which claims may be charged here and now (the journal, the debtor system). */
  readonly standing: Pick<ClaimStanding, 'notes'>;
  /** The borrower's open claims again, by patron id (after something changed right before paying). */
  readonly refreshClaims: (patronId: string) => Promise<Claim[]>;
  readonly journal: PaymentJournal;
  readonly receipts: Receipts;
  readonly scanners: ScanHub;
  readonly codeRules: CodeRules;
  readonly language: Language;
  readonly log: Logger;
  /** The ways to pay on this kiosk (the card terminal; MobilePay when offered). */
  readonly paymentMethods?: readonly PaymentMethod[];
  /** Demo mode: the borrower's phone, played by the MobilePay sandbox. */
  readonly demoPhone?: (answer: 'approve' | 'reject') => void;
  /** How long the approved screen waits for the registrations before saying they are queued. */
  readonly queuedAfterMs?: number;
}

/**
 * The borrower's session at the kiosk, as one explicit state machine:
 *
 *   attract ─scan/typed card→ pin ─PIN→ loading → claims ─pay→ paying → approved | declined
 *                                            ↘ nothing-to-pay / error      ↘ staff-notified
 *
 * The core owns it; the renderer is told the whole view after every change and can only send
 * commands, each checked against the current screen. The card number or CPR lives in memory for
 * the session only, the PIN not even that (it goes straight to FBS). A reset bumps `generation`,
 * so an answer that arrives for an abandoned session is dropped instead of drawn.
 */
export class KioskSession {
  private readonly ended = new Map<string, number>();
  private view: SessionView = { screen: 'attract' };
  private language: Language;
  private identifier: { kind: 'library-card' | 'cpr'; value: string; entered: 'scanned' | 'typed' } | null = null;
  /**
   * Wrong PINs per card since its last right one, for the attempts-left warning. In memory only
   * (a restart forgets, so the warning can only come late, never say "locked" early); bounded.
   */
  private readonly wrongPins = new Map<string, number>();
  private identified: Identified | null = null;
  /** Why some of the borrower's claims cannot be chosen now (paid here, being checked…). */
  private notes: ClaimNote[] = [];
  private generation = 0;
  private paying: Promise<void> | null = null;
  private lastSelection: string[] = [];
  /** Set while staff take a payment at the counter: who, for the journal and the audit log. */
  private counterActor: string | null = null;
  private readonly listeners = new Set<(view: SessionView, language: Language) => void>();
  private readonly stopScans: () => void;

  constructor(private readonly parts: SessionParts) {
    this.language = parts.language;
    this.stopScans = parts.scanners.onScan((event) => this.onScan(event));
  }

  current(): { view: SessionView; language: Language } {
    return { view: this.view, language: this.language };
  }

  onChange(listener: (view: SessionView, language: Language) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A validated command from the renderer. Throws CommandRejectedError when it does not fit the screen. */
  async command(
    command: Extract<
      KioskCommand,
      { type: `session.${string}` | `checkout.${string}` | 'scanner.wedge' | 'ui.setLanguage' | 'demo.phone' }
    >,
  ): Promise<void> {
    switch (command.type) {
      case 'scanner.wedge':
        this.parts.scanners.submit(WEDGE_SOURCE, command.code);
        return;
      case 'session.typeCard':
        if (!BETWEEN_BORROWERS.includes(this.view.screen))
          throw new CommandRejectedError(`the keypad cannot open on the ${this.view.screen} screen`);
        this.startOver();
        this.show({ screen: 'type-card' });
        return;
      case 'session.identify':
        // Typed on the keypad (the type-card screen); accepted wherever a scan would be.
        this.identify(command.cardNumber, 'typed');
        return;
      case 'session.authenticate':
        return this.authenticate(command.pin);
      case 'checkout.select':
        this.select(command.claimIds);
        return;
      case 'checkout.pay':
        return this.pay(command.method ?? 'card');
      case 'demo.phone': {
        const view = this.view;
        if (!this.parts.demoPhone || view.screen !== 'paying' || view.method !== 'mobilepay' || !view.qr)
          throw new CommandRejectedError('no MobilePay payment waiting for the demo phone');
        this.parts.demoPhone(command.answer);
        return;
      }
      case 'checkout.cancel':
        return this.cancel();
      case 'checkout.retry':
        this.retry();
        return;
      case 'session.reset':
        return this.reset();
      case 'ui.setLanguage':
        this.language = command.language;
        this.emit();
        return;
    }
  }

  /** Waits for a payment in flight to finish (shutdown, tests). */
  async settled(): Promise<void> {
    await this.paying;
  }

  stop(): void {
    this.stopScans();
    this.listeners.clear();
  }

  // ── transitions ────────────────────────────────────────────────────────────────────────

  private onScan(event: ScanEvent): void {
    if (this.parts.interceptScan?.(event)) return;
    // A new card is welcome wherever no borrower is mid-way; during PIN entry it replaces the card.
    if (!CARD_WELCOME.includes(this.view.screen)) return;
    if (event.type === 'unreadable') {
      this.startOver();
      this.show({ screen: 'error', code: 'invalid-scan', messageKey: 'scan.invalid.unreadable' });
      return;
    }
    this.identify(event.code, 'scanned');
  }

  private identify(code: string, entered: 'scanned' | 'typed'): void {
    if (!CARD_WELCOME.includes(this.view.screen))
      throw new CommandRejectedError(`a card cannot be read on the ${this.view.screen} screen`);
    this.startOver();
    const result = parseScan(code, this.parts.codeRules);
    switch (result.kind) {
      case 'cpr':
      case 'library-card':
        this.identifier =
          result.kind === 'cpr'
            ? { kind: 'cpr', value: result.cpr, entered }
            : { kind: 'library-card', value: result.cardNumber, entered };
        if (this.parts.pinRequired === false) void this.lookUp(null);
        else this.show(this.pinView(false));
        return;
      case 'unsupported':
        this.show({ screen: 'error', code: 'unsupported-code', messageKey: result.messageKey });
        return;
      case 'invalid':
        this.show({ screen: 'error', code: 'invalid-scan', messageKey: result.messageKey });
        return;
    }
  }

  /**
   * Staff at the counter: the borrower's card or CPR, looked up without their PIN; then the same
   * claims, checkout and guarantees as at the kiosk, recorded as a staff payment by `actor`.
   */
  async counter(code: string, actor: string): Promise<void> {
    if (this.view.screen !== 'attract') throw new CommandRejectedError('finish the open session first');
    this.startOver();
    const result = parseScan(code, this.parts.codeRules);
    if (result.kind !== 'cpr' && result.kind !== 'library-card') {
      this.show({
        screen: 'error',
        code: result.kind === 'unsupported' ? 'unsupported-code' : 'invalid-scan',
        messageKey: result.messageKey,
      });
      return;
    }
    this.counterActor = actor;
    this.identifier =
      result.kind === 'cpr'
        ? { kind: 'cpr', value: result.cpr, entered: 'scanned' }
        : { kind: 'library-card', value: result.cardNumber, entered: 'scanned' };
    await this.lookUp(null);
  }

  /** True while staff are taking a payment at the counter. */
  isCounter(): boolean {
    return this.counterActor !== null;
  }

  private async authenticate(pin: string): Promise<void> {
    const view = this.view;
    if (view.screen !== 'pin' || !this.identifier) throw new CommandRejectedError('no card to check a PIN for');
    // Only a complete PIN goes to FBS: each wrong one counts towards locking the borrower's card.
    if (pin.length !== view.pinLength) throw new CommandRejectedError(`a PIN has ${view.pinLength} digits here`);
    await this.lookUp({ pin });
  }

  private pinView(wrongPin: boolean): Extract<SessionView, { screen: 'pin' }> {
    const identifier = this.identifier!;
    const limit = this.parts.pinAttemptsBeforeLock ?? 5;
    const wrong = this.wrongPins.get(identifier.value) ?? 0;
    return {
      screen: 'pin',
      identifiedBy: identifier.kind,
      entered: identifier.entered,
      wrongPin,
      attemptsLeft: wrong === 0 ? null : Math.max(0, limit - wrong),
      pinLength: this.parts.pinLength ?? 4,
    };
  }

  /** FBS said INVALID to a PIN: an unknown card, or a wrong PIN (counted towards the lock). */
  private async wrongPinOrUnknownCard(generation: number): Promise<void> {
    const identifier = this.identifier!;
    let known = true;
    try {
      known = (await this.parts.cardKnown?.(identifier.value)) ?? true;
    } catch (error) {
      // Cannot tell: say "wrong PIN", the answer FBS gave.
      this.parts.log.warn({ err: error }, 'could not ask FBS whether the card is known');
    }
    if (generation !== this.generation) return;
    if (!known) {
      this.identifier = null;
      this.show({ screen: 'error', code: 'unknown-card', messageKey: null });
      return;
    }
    if (this.wrongPins.size >= 1_000) this.wrongPins.clear();
    this.wrongPins.set(identifier.value, (this.wrongPins.get(identifier.value) ?? 0) + 1);
    this.show(this.pinView(true));
  }

  /** FBS: with the borrower's PIN, or without one (counter, or no PIN required). */
  private async lookUp(withPin: { pin: string } | null): Promise<void> {
    if (!this.identifier) return;
    const generation = this.generation;
    this.show({ screen: 'loading' });
    let identified: Identified;
    try {
      identified = withPin
        ? await this.parts.identify(this.identifier.value, withPin.pin)
        : await this.parts.identifyWithoutPin(this.identifier.value);
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof FbsError && error.code === 'invalid-credentials') {
        if (withPin) return this.wrongPinOrUnknownCard(generation);
        this.identifier = null;
        this.show({ screen: 'error', code: 'unknown-card', messageKey: null });
        return;
      }
      this.identifier = null;
      this.show({ screen: 'error', code: errorCodeForFbs(error, this.parts.log), messageKey: null });
      return;
    }
    if (generation !== this.generation) return;
    this.wrongPins.delete(this.identifier.value);
    if (identified.claims.every((c) => c.route === 'not-payable')) {
      this.identified = identified;
      this.show({ screen: 'nothing-to-pay', borrowerName: identified.borrower.name });
      return;
    }
    await this.showStanding(generation, identified, null);
  }

  /**
   * The claims screen for these claims, with the notes that say which cannot be chosen now; the
   * selectable ones are chosen by default. A claim paid here (even while its registration waits)
   * or paid in the debtor system is shown as paid and can never be chosen.
   */
  private async showStanding(
    generation: number,
    identified: Identified,
    notice: 'claims-changed' | null,
  ): Promise<void> {
    let notes: ClaimNote[];
    try {
      notes = await this.parts.standing.notes(identified.claims, this.counterActor ? 'staff' : 'kiosk');
    } catch (error) {
      if (generation !== this.generation) return;
      this.parts.log.error({ err: error }, 'the claims could not be checked against the journal');
      this.show({ screen: 'error', code: 'internal', messageKey: null });
      return;
    }
    if (generation !== this.generation) return;
    this.identified = identified;
    this.notes = notes;
    this.showClaims(
      this.selectable().map((c) => c.id),
      notice,
    );
  }

  /** Claims the borrower may choose: payable, with no note that blocks them. */
  private selectable(): Claim[] {
    const blocked = new Set(this.notes.filter(blocks).map((n) => n.claimId));
    return (this.identified?.claims ?? []).filter((c) => c.route !== 'not-payable' && !blocked.has(c.id));
  }

  private select(claimIds: readonly string[]): void {
    if (this.view.screen !== 'claims' || !this.identified) throw new CommandRejectedError('no claims on screen');
    const selectable = new Set(this.selectable().map((c) => c.id));
    const unknown = claimIds.filter((id) => !selectable.has(id));
    if (unknown.length > 0) throw new CommandRejectedError(`not payable here: ${unknown.join(', ')}`);
    this.showClaims([...new Set(claimIds)], this.view.notice);
  }

  private async pay(method: PaymentMethod): Promise<void> {
    const view = this.view;
    if (view.screen !== 'claims' || !this.identified) throw new CommandRejectedError('nothing chosen to pay');
    if (view.selected.length === 0) throw new CommandRejectedError('choose at least one claim');
    if (!view.methods.includes(method)) throw new CommandRejectedError(`${method} is not offered here`);
    this.lastSelection = view.selected;
    const chosen = new Set(view.selected);
    const lines = this.identified.claims.filter((c) => chosen.has(c.id)).map(lineFor);
    const generation = this.generation;
    const patronId = this.identified.borrower.patronId;
    this.show({
      screen: 'paying',
      amountOre: view.totalOre,
      step: 'starting',
      terminalText: null,
      cancelling: false,
      method,
      qr: null,
    });
    const run = this.runPayment(generation, patronId, lines, method);
    this.paying = run;
    try {
      await run;
    } finally {
      if (this.paying === run) this.paying = null;
    }
  }

  private async runPayment(
    generation: number,
    patronId: string,
    lines: PaymentLine[],
    method: PaymentMethod,
  ): Promise<void> {
    const { checkout, journal, log } = this.parts;
    const onProgress = (progress: TerminalProgress): void => {
      if (generation !== this.generation || this.view.screen !== 'paying') return;
      this.show({
        ...this.view,
        step: progress.step,
        terminalText: progress.text ?? null,
        ...(progress.qr ? { qr: progress.qr } : {}),
      });
    };
    let payment;
    try {
      const actor = this.counterActor ?? 'kiosk';
      payment = await checkout.pay(
        { channel: this.counterActor ? 'staff' : 'kiosk', method, patronId, lines, actor },
        onProgress,
      );
    } catch (error) {
      if (generation !== this.generation) return;
      // Nothing was charged: the borrower sees the claims as they are now (the changed one marked).
      if (error instanceof ClaimsChangedError) return this.claimsChanged(generation, patronId, error);
      // Money may have moved and the journal could not say so yet: staff, never "try again".
      if (error instanceof PaymentNotRecordedError) this.show({ screen: 'staff-notified' });
      else this.show({ screen: 'error', code: errorCodeForCheckout(error, log, method), messageKey: null });
      return;
    }
    if (generation !== this.generation) return; // reset while paying: the payment was aborted or is recorded
    switch (payment.state) {
      case 'approved':
      case 'settled':
        await this.approved(generation, payment.id, method);
        return;
      case 'declined': {
        const code = journal.declineCode(payment.id);
        // The terminal never got the request, or is logged out: nothing was charged, and the
        // borrower should hear that card payment is out of service, not "try again".
        if (code === 'not-received' || code === 'logged-out') {
          const unavailable = method === 'mobilepay' ? 'mobilepay-unavailable' : 'card-payment-unavailable';
          this.show({ screen: 'error', code: unavailable, messageKey: null });
        } else this.show({ screen: 'declined', reason: declineReason(code) });
        return;
      }
      default:
        // unknown / needs_attention: the money question is with staff; never "try again".
        this.show({ screen: 'staff-notified' });
    }
  }

  /**
   * A chosen claim was paid, changed or could not be confirmed right before charging. Nothing was
   * charged. The claims are fetched again and shown with what changed; the claim that was paid
   * (here, or in the debtor system while FBS still lists it) is shown as paid, so the borrower
   * is not sent round the same list again.
   */
  private async claimsChanged(generation: number, patronId: string, error: ClaimsChangedError): Promise<void> {
    const { log } = this.parts;
    log.info({ changes: error.changes }, 'claims changed right before charging: nothing was charged');
    const borrower = this.identified?.borrower;
    this.show({ screen: 'loading' });
    let claims: Claim[];
    try {
      claims = await this.parts.refreshClaims(patronId);
    } catch (refreshError) {
      if (generation !== this.generation) return;
      this.show({ screen: 'error', code: errorCodeForCheckout(refreshError, log), messageKey: null });
      return;
    }
    if (generation !== this.generation || !borrower) return;
    if (claims.every((c) => c.route === 'not-payable')) {
      this.show({ screen: 'nothing-to-pay', borrowerName: borrower.name });
      return;
    }
    await this.showStanding(generation, { borrower, claims }, 'claims-changed');
  }

  private async approved(generation: number, paymentId: string, method: PaymentMethod): Promise<void> {
    const { receipts, journal } = this.parts;
    const receipt = receipts.receipt(paymentId);
    this.show({ screen: 'approved', receipt, method, printed: null, queued: false });
    const [printed] = await Promise.all([
      receipts.print(paymentId, this.language),
      delay(this.parts.queuedAfterMs ?? 2_000),
    ]);
    if (generation !== this.generation || this.view.screen !== 'approved') return;
    this.show({
      screen: 'approved',
      receipt,
      method,
      printed: printed.printed,
      queued: journal.undeliveredCount(paymentId) > 0,
    });
  }

  private retry(): void {
    if (this.view.screen !== 'declined' || !this.identified) throw new CommandRejectedError('nothing to retry');
    const selectable = new Set(this.selectable().map((c) => c.id));
    this.showClaims(
      this.lastSelection.filter((id) => selectable.has(id)),
      null,
    );
  }

  private async cancel(): Promise<void> {
    if (this.view.screen !== 'paying') throw new CommandRejectedError('no payment to cancel');
    this.show({ ...this.view, cancelling: true });
    await this.parts.checkout.abort();
  }

  /**
   * Borrower sessions ended since start, by the screen they ended on: `approved` is a payment
   * made; any other screen is where a borrower gave up (or the idle timer ended it). For the
   * operations metrics; no borrower in it.
   */
  endings(): ReadonlyMap<string, number> {
    return this.ended;
  }

  private async reset(): Promise<void> {
    if (this.view.screen !== 'attract') this.ended.set(this.view.screen, (this.ended.get(this.view.screen) ?? 0) + 1);
    if (this.view.screen === 'paying') {
      // Never walk away from money: stop the payment and let its outcome be recorded first.
      this.show({ ...this.view, cancelling: true });
      await this.parts.checkout.abort();
      await this.paying;
    }
    this.startOver();
    // The next borrower starts fresh: the default language, and any card may be scanned at once.
    this.language = this.parts.language;
    this.parts.scanners.forgetRecent();
    this.show({ screen: 'attract' });
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

  private startOver(): void {
    this.generation += 1;
    this.counterActor = null;
    this.identifier = null;
    this.identified = null;
    this.notes = [];
  }

  private showClaims(selected: readonly string[], notice: 'claims-changed' | null): void {
    const identified = this.identified!;
    const chosen = new Set(selected);
    const totalOre = identified.claims.filter((c) => chosen.has(c.id)).reduce((sum, c) => sum + c.amountOre, 0);
    this.show({
      screen: 'claims',
      borrowerName: identified.borrower.name,
      claims: identified.claims,
      notes: this.notes,
      selected: identified.claims.filter((c) => chosen.has(c.id)).map((c) => c.id),
      totalOre,
      notice,
      methods: [...(this.parts.paymentMethods ?? ['card'])],
    });
  }

  private show(view: SessionView): void {
    this.view = view;
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.view, this.language);
      } catch (error) {
        this.parts.log.error({ err: error }, 'session listener failed');
      }
    }
  }
}

/** Screens between borrowers: a new card (scanned or typed) starts a new session here. */
const BETWEEN_BORROWERS: readonly SessionView['screen'][] = [
  'attract',
  'error',
  'nothing-to-pay',
  'declined',
  'approved',
  'staff-notified',
];
/** …and on the keypad and the PIN screen, where a new card replaces the one just read. */
const CARD_WELCOME: readonly SessionView['screen'][] = [...BETWEEN_BORROWERS, 'type-card', 'pin'];

function lineFor(claim: Claim): PaymentLine {
  if (claim.route === 'not-payable') throw new Error(`claim ${claim.id} is not payable`);
  return {
    claimId: claim.id,
    feeId: claim.feeId,
    route: claim.route,
    type: claim.type,
    reason: claim.reason,
    materials: claim.materials,
    amountOre: claim.amountOre,
    createdOn: claim.createdOn,
  };
}

function declineReason(
  code: DeclineCode | null,
): 'refused' | 'cancelled' | 'card-removed' | 'wrong-pin' | 'expired' | 'not-completed' {
  if (code === 'cancelled' || code === 'aborted') return 'cancelled';
  if (code === 'refused' || code === 'card-removed' || code === 'wrong-pin' || code === 'expired') return code;
  return 'not-completed';
}

function errorCodeForFbs(error: unknown, log: Logger): 'locked-out' | 'blocked' | 'fbs-unavailable' | 'internal' {
  if (error instanceof FbsError) {
    if (error.code === 'locked-out' || error.code === 'blocked') return error.code;
    if (error.code === 'unavailable' || error.code === 'bad-response') return 'fbs-unavailable';
  }
  log.error({ err: error }, 'identify failed');
  return 'internal';
}

function errorCodeForCheckout(
  error: unknown,
  log: Logger,
  method: PaymentMethod = 'card',
):
  | 'card-payment-unavailable'
  | 'mobilepay-unavailable'
  | 'claims-changed'
  | 'fbs-unavailable'
  | 'busy'
  | 'storage-full'
  | 'internal' {
  if (error instanceof CardPaymentUnavailableError)
    return method === 'mobilepay' ? 'mobilepay-unavailable' : 'card-payment-unavailable';
  if (error instanceof StorageFullError) {
    log.error({ err: error }, 'card payment refused: the journal has no room');
    return 'storage-full';
  }
  if (error instanceof ClaimsChangedError) return 'claims-changed';
  if (error instanceof TerminalBusyError) return 'busy';
  if (error instanceof FbsError) return 'fbs-unavailable';
  log.error({ err: error }, 'checkout failed');
  return 'internal';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
