import type { Channel, Payment, PaymentLine, PaymentMethod } from '../contract/index.js';
import { ClaimAlreadyChargedError, type PaymentJournal } from '../db/journal.js';
import {
  TerminalBusyError,
  TerminalNotReachedError,
  type PaymentTerminal,
  type TerminalHealth,
  type TerminalOutcome,
  type TerminalProgress,
} from '../ports/payment-terminal.js';
import { faultPoint } from '../base/faults.js';
import type { Logger } from '../base/log.js';
import { isStorageFull, StorageFullError } from './storage.js';
import type { TerminalMonitor } from './terminal-monitor.js';
import { recordTerminalOutcome, type TerminalRecovery } from './terminal-recovery.js';
import { messageOf } from '../base/errors.js';

/**
 * A chosen claim that must not be charged now, and why: paid (in FBS or the debtor system),
 * paid-here (this kiosk holds a payment for it), amount-changed, route-changed, gone (FBS no
 * longer lists it), unknown-in-debtor-system, unconfirmed (the debtor system cannot be asked and
 * the policy does not allow charging it unconfirmed; core/claim-standing.ts).
 */
export interface StaleClaim {
  readonly claimId: string;
  readonly kind:
    | 'paid'
    | 'paid-here'
    | 'amount-changed'
    | 'route-changed'
    | 'gone'
    | 'unknown-in-debtor-system'
    | 'unconfirmed';
}

/** Re-checks the chosen claims right before charging (core/claim-standing.ts). */
export type VerifyClaims = (request: {
  readonly patronId: string;
  readonly lines: readonly PaymentLine[];
  readonly channel: Channel;
}) => Promise<readonly StaleClaim[]>;

/** Nothing was charged or persisted: the borrower must look at their claims again. */
export class ClaimsChangedError extends Error {
  override name = 'ClaimsChangedError';
  constructor(readonly changes: readonly StaleClaim[]) {
    super(`claims changed since they were shown: ${changes.map((c) => `${c.claimId} ${c.kind}`).join(', ')}`);
  }
}

/** Card payment cannot start now (terminal unreachable or logged out, or recovery running). Nothing was persisted. */
export class CardPaymentUnavailableError extends Error {
  override name = 'CardPaymentUnavailableError';
  constructor(
    readonly health:
      | Exclude<TerminalHealth, { available: true }>
      | { available: false; reason: 'recovering'; detail: string },
  ) {
    super(`card payment unavailable: ${health.detail}`);
  }
}

/**
 * The terminal answered but the journal could not write the answer down (disk full, I/O error).
 * Money may have moved: the kiosk asks the terminal again until the answer is recorded, and takes
 * no new card payment meanwhile. The borrower is sent to staff.
 */
export class PaymentNotRecordedError extends Error {
  override name = 'PaymentNotRecordedError';
  constructor(
    readonly paymentId: string,
    cause: unknown,
  ) {
    super(`the terminal's answer for payment ${paymentId} could not be recorded: ${messageOf(cause)}`);
  }
}

export interface CheckoutRequest {
  readonly channel: Channel;
  /** Card terminal (default) or MobilePay. */
  readonly method?: PaymentMethod;
  readonly patronId: string;
  readonly lines: readonly PaymentLine[];
  readonly actor: string;
}

export interface CheckoutParts {
  readonly journal: PaymentJournal;
  readonly terminal: PaymentTerminal;
  readonly monitor: TerminalMonitor;
  readonly recovery: TerminalRecovery;
  readonly log: Logger;
  readonly onApproved: () => void;
  /** Any payment that reached the terminal ended (approved, declined, in doubt…). */
  readonly onFinished?: () => void;
  readonly verifyClaims?: VerifyClaims;
  /** Refuses a new payment when the journal's disk is (nearly) full. */
  readonly storage?: { checkRoomForPayment(): void };
  /** How long to wait between attempts to record an answer the journal could not take. */
  readonly recordRetryMs?: number;
  /** Whether a method other than the card terminal can take a payment now (MobilePay). */
  readonly methodHealth?: (method: PaymentMethod) => Promise<TerminalHealth>;
}

/**
 * Takes one payment from intent to approval. The order is the guarantee: every step is durable
 * before the next external call, so a crash at any point leaves a journal that says exactly
 * how far it got, and the terminal request's reference with it.
 */
export class Checkout {
  private inFlight: string | null = null;
  private recovering: Promise<unknown> | null = null;

  constructor(private readonly parts: CheckoutParts) {}

  /** While this runs (start-up recovery of in-doubt payments), no new payment may start. */
  holdUntil(recovery: Promise<unknown>): void {
    const held = recovery.finally(() => {
      if (this.recovering === held) this.recovering = null;
    });
    this.recovering = held;
  }

  async pay(request: CheckoutRequest, onProgress?: (progress: TerminalProgress) => void): Promise<Payment> {
    // One payment in flight per terminal.
    if (this.inFlight) throw new TerminalBusyError('a payment is already in progress');
    if (this.recovering) {
      throw new CardPaymentUnavailableError({
        available: false,
        reason: 'recovering',
        detail: 'the kiosk is still resolving an earlier payment with the terminal',
      });
    }
    this.inFlight = 'starting';
    try {
      return await this.run(request, onProgress);
    } finally {
      const sent = this.inFlight !== 'starting';
      this.inFlight = null;
      if (sent) this.parts.onFinished?.();
    }
  }

  /** A payment is with the terminal now (or being started, or an earlier one being resolved). */
  busy(): boolean {
    return this.inFlight !== null || this.recovering !== null;
  }

  /** Start over / idle reset while paying: asks the terminal to stop this payment. */
  async abort(): Promise<void> {
    const paymentId = this.inFlight;
    if (paymentId && paymentId !== 'starting') await this.parts.terminal.abort(paymentId);
  }

  private async run(request: CheckoutRequest, onProgress?: (progress: TerminalProgress) => void): Promise<Payment> {
    const { journal, terminal, monitor, log } = this.parts;
    this.parts.storage?.checkRoomForPayment();
    const method = request.method ?? 'card';
    // The terminal is asked again when it was last seen unavailable: it may be back.
    const health =
      method === 'card'
        ? monitor.current.available
          ? monitor.current
          : await monitor.check()
        : ((await this.parts.methodHealth?.(method)) ?? {
            available: false as const,
            reason: 'not-configured' as const,
            detail: `${method} is not offered`,
          });
    if (!health.available) throw new CardPaymentUnavailableError(health);

    // Last look before money moves: a claim paid or changed since it was shown must not be
    // charged. If the source cannot be asked, this throws and nothing is charged either.
    const verifyClaims = this.parts.verifyClaims ?? (() => Promise.resolve([]));
    const changes = await verifyClaims(request);
    if (changes.length > 0) throw new ClaimsChangedError(changes);

    // Nothing has been asked of the terminal yet: a journal that cannot be written stops here.
    let intent: Payment | undefined;
    let authorizing: Payment;
    let requestRef: string;
    try {
      this.closeUnsentIntents(request.actor);
      intent = journal.createIntent(request);
      this.inFlight = intent.id;
      faultPoint('checkout.after-intent-persisted');
      requestRef = terminal.newRequestRef(intent.id);
      authorizing = journal.markAuthorizing(intent.id, { requestRef, actor: request.actor });
    } catch (error) {
      // The journal holds a payment for one of these claims: nothing written, nothing charged.
      if (error instanceof ClaimAlreadyChargedError) {
        throw new ClaimsChangedError(
          request.lines
            .filter((l) => error.charges.some((c) => c.feeId === l.feeId))
            .map((l) => ({ claimId: l.claimId, kind: 'paid-here' })),
        );
      }
      if (!isStorageFull(error)) throw error;
      if (intent) this.tryToCloseUnsent(intent.id, request.actor);
      throw new StorageFullError(`the journal could not be written: ${messageOf(error)}`);
    }
    faultPoint('checkout.after-authorizing-persisted');

    let answered = false;
    const progress = (p: TerminalProgress): void => {
      // The terminal is showing this payment: the request has certainly arrived.
      if (!answered) faultPoint('checkout.after-request-sent');
      onProgress?.(p);
    };
    let answer: TerminalOutcome;
    try {
      answer = await terminal.pay(
        { paymentId: intent.id, requestRef, amountOre: intent.amountOre, currency: 'DKK' },
        progress,
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof TerminalNotReachedError) {
        log.warn({ paymentId: intent.id, reason }, 'terminal not reached: nothing was charged');
        // The card terminal's state on screen; MobilePay's is asked before each payment.
        if (method === 'card') monitor.report({ available: false, reason: 'unreachable', detail: reason });
        return journal.decline(intent.id, 'not-received', reason, request.actor);
      }
      log.error({ paymentId: intent.id, reason }, 'terminal answer lost: asking the terminal what happened');
      let unknown: Payment;
      try {
        unknown = journal.markUnknown(intent.id, reason, request.actor);
      } catch (writeError) {
        return this.notRecorded(authorizing, writeError, request.actor);
      }
      faultPoint('checkout.after-unknown-persisted');
      const resolved = await this.parts.recovery.resolve(unknown, request.actor);
      if (resolved.state === 'approved') this.parts.onApproved();
      return resolved;
    } finally {
      answered = true;
    }
    faultPoint('checkout.after-terminal-approved');
    if (answer.outcome === 'declined' && answer.reason === 'logged-out') {
      monitor.report({ available: false, reason: 'logged-out', detail: 'the terminal is logged out' });
    }
    let recorded: Payment;
    try {
      recorded = recordTerminalOutcome(journal, authorizing, answer, request.actor, log);
    } catch (error) {
      return this.notRecorded(authorizing, error, request.actor);
    }
    if (recorded.state === 'approved') this.parts.onApproved();
    return recorded;
  }

  /**
   * An intent is `created` only until `authorizing` is written, and only one payment runs at a
   * time, so a `created` intent seen before a new payment is one the journal took but could not
   * move on (the disk filled in between): it was never sent to the terminal, no money moved, and
   * it is closed as start-up would close it, as soon as the journal takes writes again.
   */
  private closeUnsentIntents(actor: string): void {
    for (const unsent of this.parts.journal.listByState(['created'])) {
      this.parts.journal.decline(
        unsent.id,
        'abandoned',
        'the journal could not be written before the terminal was asked',
        actor,
      );
      this.parts.log.warn({ paymentId: unsent.id }, 'closed an intent that was never sent to the terminal');
    }
  }

  /** Right after the failure the disk may still take this small write; if not, see above. */
  private tryToCloseUnsent(paymentId: string, actor: string): void {
    try {
      this.parts.journal.decline(
        paymentId,
        'not-sent',
        'the journal could not be written before the terminal was asked',
        actor,
      );
    } catch (error) {
      this.parts.log.warn({ paymentId, err: error }, 'an unsent intent stays open until the journal takes writes');
    }
  }

  /**
   * The terminal answered and the journal refused the write. The payment stays `authorizing`
   * (in doubt, with its request reference), which is what start-up recovery would find after a
   * crash; here it is resolved the same way without a restart: the terminal is asked again until
   * the journal takes the answer. No new payment starts meanwhile.
   */
  private notRecorded(payment: Payment, error: unknown, actor: string): never {
    const { log, recovery } = this.parts;
    log.error(
      { paymentId: payment.id, err: error },
      "the terminal's answer could not be written to the journal; card payments stop until it is recorded",
    );
    const retryMs = this.parts.recordRetryMs ?? 5_000;
    const recordLater = async (): Promise<void> => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
        try {
          const resolved = await recovery.resolve(payment, actor);
          if (resolved.state === 'approved') this.parts.onApproved();
          log.warn({ paymentId: payment.id, state: resolved.state }, 'the payment is recorded after all');
          return;
        } catch (retryError) {
          log.warn({ paymentId: payment.id, err: retryError }, 'the journal still cannot record the payment');
        }
      }
    };
    this.holdUntil(recordLater());
    throw new PaymentNotRecordedError(payment.id, error);
  }
}
