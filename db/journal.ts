import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  canTransition,
  CLAIM_HOLDING_STATES,
  DeclineCode,
  IN_DOUBT_STATES,
  PaymentLine,
  TerminalReceiptLine,
  type Channel,
  type Payment,
  type PaymentMethod,
  type PaymentState,
  sumOre,
  type StaffRefusalCode,
} from '../contract/index.js';
import type { AuditLog } from './audit.js';
import type { Db } from './open.js';
import type { Statement } from 'better-sqlite3';
import type { OutboxRow, OutboxSpec, OutboxStore, FinalOutcome } from './outbox.js';
import { TerminalCheckStore, type TerminalCheck } from './terminal-checks.js';
import { ExpectedError } from '../base/errors.js';

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
}

export class PaymentNotFoundError extends ExpectedError {
  override name = 'PaymentNotFoundError';
}

/** A staff action that the payment's state does not allow; nothing was changed. */
export class StaffActionRefusedError extends ExpectedError {
  override name = 'StaffActionRefusedError';
  /** `message` is for the log (English); the screen says `code` in its own language. */
  constructor(
    message: string,
    readonly code: StaffRefusalCode,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * The kiosk already holds a payment for some of these claims (paid, or in doubt): charging them
 * again would take the borrower's money twice. Nothing was written.
 */
export class ClaimAlreadyChargedError extends Error {
  override name = 'ClaimAlreadyChargedError';
  constructor(readonly charges: readonly FeeCharge[]) {
    super(
      `already paid or being paid at this kiosk: ${charges.map((c) => `fee ${c.feeId} (payment ${c.paymentId}, ${c.state})`).join(', ')}`,
    );
  }
}

/** A payment of this kiosk that holds a fee (see CLAIM_HOLDING_STATES). */
export interface FeeCharge {
  readonly feeId: string;
  readonly claimId: string;
  readonly paymentId: string;
  readonly state: PaymentState;
  /** The terminal's reference is known: the money was taken. */
  readonly charged: boolean;
  /** Every registration of the payment is delivered (FBS or the debtor system has it). */
  readonly registered: boolean;
  /** When the payment was made (ISO). */
  readonly at: string;
}

/** Card data kept for the receipt. */
export interface CardData {
  readonly scheme: string | null;
  readonly last4: string | null;
  /** The terminal's own time stamp for the transaction, as it gave it. */
  readonly transactionTime?: string | null;
  /** The cardholder's receipt the terminal returned (masked). */
  readonly cardholderReceipt?: readonly TerminalReceiptLine[] | null;
}

/** What the terminal said about an approved payment, besides its reference and the card. */
export interface TerminalRecord {
  readonly transactionTime: string | null;
  readonly cardholderReceipt: readonly TerminalReceiptLine[] | null;
}

export interface NewPayment {
  readonly channel: Channel;
  /** Card terminal (default) or MobilePay. */
  readonly method?: PaymentMethod;
  readonly patronId: string;
  readonly lines: readonly PaymentLine[];
  /** Who started it, for the audit trail: `kiosk` or `staff:<id>`. */
  readonly actor: string;
}

interface PaymentRow {
  id: string;
  state: PaymentState;
  channel: Channel;
  method: PaymentMethod;
  patron_id: string;
  amount_ore: number;
  currency: 'DKK';
  terminal_transaction_ref: string | null;
  terminal_request_ref: string | null;
  card_scheme: string | null;
  card_last4: string | null;
  created_at: string;
  updated_at: string;
}

interface LineRow {
  claim_id: string;
  fee_id: string;
  route: 'fbs' | 'debtor';
  type: string;
  reason: string;
  materials_json: string;
  amount_ore: number;
}

/**
 * The payment journal: the kiosk's record of every payment and where it stands. Every change is
 * one transaction that also writes the transition history and the audit entry; the approval
 * also writes the outbox rows that will register the payment, so neither can exist without
 * the other.
 */
const CHARGES_FOR_FEES_SQL = `SELECT l.fee_id, l.claim_id, p.id AS payment_id, p.state, p.terminal_transaction_ref, p.created_at,
    (SELECT COUNT(*) FROM outbox o WHERE o.payment_id = p.id AND o.state <> 'delivered') AS undelivered,
    (SELECT COUNT(*) FROM outbox o WHERE o.payment_id = p.id) AS deliveries
     FROM payment_lines l JOIN payments p ON p.id = l.payment_id
    WHERE l.fee_id IN (SELECT value FROM json_each(@fees))
      AND p.state IN (SELECT value FROM json_each(@states))
      -- Money given back after registration (migration 015): the claim is the borrower's
      -- to pay again once staff reopen it in FBS or the debtor system.
      AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id AND r.state = 'refunded')
    ORDER BY p.created_at, p.id`;

export class PaymentJournal {
  private readonly stmts;
  private chargesForFeesStmt: Statement | null = null;
  /** What the terminal itself said about each payment request (the day's terminal reconciliation). */
  readonly terminalChecks: TerminalCheckStore;

  constructor(
    private readonly db: Db,
    private readonly outbox: OutboxStore,
    private readonly audit: AuditLog,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.stmts = {
      insertPayment: db.prepare(
        `INSERT INTO payments (id, state, channel, method, patron_id, amount_ore, currency,
                               terminal_transaction_ref, created_at, updated_at)
         VALUES (@id, 'created', @channel, @method, @patron_id, @amount_ore, 'DKK', NULL, @at, @at)`,
      ),
      insertLine: db.prepare(
        `INSERT INTO payment_lines (payment_id, line_no, claim_id, fee_id, route, type, reason,
                                    materials_json, amount_ore)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertTransition: db.prepare(
        `INSERT INTO payment_transitions (payment_id, from_state, to_state, reason, code, at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // Compare-and-set on the state: a move from a state the payment is no longer in fails.
      setState: db.prepare(
        `UPDATE payments SET state = @to, updated_at = @at,
                terminal_transaction_ref = COALESCE(@ref, terminal_transaction_ref)
          WHERE id = @id AND state = @from`,
      ),
      setRequestRef: db.prepare('UPDATE payments SET terminal_request_ref = ? WHERE id = ?'),
      setCard: db.prepare(
        `UPDATE payments SET card_scheme = ?, card_last4 = ?, terminal_transaction_time = ?,
                cardholder_receipt_json = ? WHERE id = ?`,
      ),
      terminalRecord: db.prepare(
        'SELECT terminal_transaction_time, cardholder_receipt_json FROM payments WHERE id = ?',
      ),
      payment: db.prepare('SELECT * FROM payments WHERE id = ?'),
      lines: db.prepare('SELECT * FROM payment_lines WHERE payment_id = ? ORDER BY line_no'),
      byStates: db.prepare(
        `SELECT id FROM payments WHERE state IN (SELECT value FROM json_each(?)) ORDER BY created_at, id`,
      ),
      declineCode: db.prepare(
        `SELECT t.code FROM payment_transitions t JOIN payments p ON p.id = t.payment_id
          WHERE t.payment_id = ? AND p.state = 'declined' AND t.to_state = 'declined'
          ORDER BY t.rowid DESC LIMIT 1`,
      ),
      latestReason: db.prepare(
        'SELECT reason FROM payment_transitions WHERE payment_id = ? ORDER BY rowid DESC LIMIT 1',
      ),
      authorizingAt: db.prepare(
        `SELECT at FROM payment_transitions WHERE payment_id = ? AND to_state = 'authorizing' ORDER BY at LIMIT 1`,
      ),
      approvedAt: db.prepare(
        `SELECT at FROM payment_transitions WHERE payment_id = ? AND to_state = 'approved' ORDER BY at LIMIT 1`,
      ),
      openDeliveries: db.prepare(`SELECT COUNT(*) AS n FROM outbox WHERE payment_id = ? AND state <> 'delivered'`),
    };
    this.terminalChecks = new TerminalCheckStore(db);
    outbox.setOnFinal((row, outcome) => this.onDeliveryFinal(row, outcome));
  }

  /** Persists a payment intent (state `created`) before anything is asked of the terminal. */
  createIntent(input: NewPayment): Payment {
    const lines = input.lines.map((line) => PaymentLine.parse(line));
    if (lines.length === 0) throw new Error('a payment needs at least one claim');
    const claimIds = new Set(lines.map((l) => l.claimId));
    if (claimIds.size !== lines.length) throw new Error('a claim appears twice in the payment');
    const id = randomUUID();
    const at = this.now().toISOString();
    const amount = sumOre(lines.map((l) => l.amountOre));
    this.db
      .transaction(() => {
        // Checked in the same write transaction that records the intent: no second payment for a
        // claim can slip in between the look and the write, whatever the screen showed.
        const held = this.chargesForFees(lines.map((l) => l.feeId));
        if (held.length > 0) throw new ClaimAlreadyChargedError(held);
        this.stmts.insertPayment.run({
          id,
          channel: input.channel,
          method: input.method ?? 'card',
          patron_id: input.patronId,
          amount_ore: amount,
          at,
        });
        lines.forEach((l, i) =>
          this.stmts.insertLine.run(
            id,
            i + 1,
            l.claimId,
            l.feeId,
            l.route,
            l.type,
            l.reason,
            JSON.stringify(l.materials),
            l.amountOre,
          ),
        );
        this.stmts.insertTransition.run(id, null, 'created', null, null, at);
        this.audit.append({
          actor: input.actor,
          action: 'payment.created',
          subject: id,
          data: {
            amountOre: amount,
            channel: input.channel,
            method: input.method ?? 'card',
            feeIds: lines.map((l) => l.feeId),
          },
        });
      })
      .immediate();
    return this.get(id);
  }

  /**
   * The terminal is about to be asked for money. Persisted, with the request's own reference,
   * before the request is sent: after a crash the terminal can be asked about exactly that request.
   */
  markAuthorizing(id: string, options: { requestRef?: string; actor?: string } = {}): Payment {
    return this.transition(id, 'authorizing', {
      actor: options.actor ?? 'kiosk',
      within: () => {
        if (options.requestRef !== undefined) this.stmts.setRequestRef.run(options.requestRef, id);
      },
    });
  }

  /**
   * The terminal approved. In one transaction: the state, the terminal's reference, and the
   * outbox rows that will register the payment at FBS / ØiR.
   */
  approve(
    id: string,
    terminalTransactionRef: string,
    deliveries: readonly OutboxSpec[],
    actor = 'kiosk',
    card: CardData | null = null,
    reason?: string,
  ): Payment {
    if (deliveries.length === 0) throw new Error('an approved payment must have at least one delivery');
    return this.transition(id, 'approved', {
      actor,
      terminalTransactionRef,
      ...(reason === undefined ? {} : { reason }),
      within: () => {
        if (card)
          this.stmts.setCard.run(
            card.scheme,
            card.last4,
            card.transactionTime ?? null,
            card.cardholderReceipt ? JSON.stringify(card.cardholderReceipt) : null,
            id,
          );
        for (const delivery of deliveries) this.outbox.enqueue({ ...delivery, paymentId: id });
      },
    });
  }

  /** Declined: `code` says why (kept as a code), `detail` says it for people. */
  decline(id: string, code: DeclineCode, detail: string, actor = 'kiosk'): Payment {
    return this.transition(id, 'declined', { actor, code, reason: detail ? `${code}: ${detail}` : code });
  }

  /** The terminal's answer was lost (timeout, crash): recovery must ask the terminal. */
  markUnknown(id: string, reason: string, actor = 'kiosk'): Payment {
    return this.transition(id, 'unknown', { actor, reason });
  }

  /** Money may or may not have been taken and the terminal cannot say: staff must check. */
  flagForStaff(id: string, reason: string, actor = 'system'): Payment {
    return this.transition(id, 'needs_attention', { actor, reason });
  }

  /**
   * Staff void, step one, before the terminal is asked to reverse: in one transaction the
   * payment is checked (approved by the terminal, nothing registered or being sent) and its
   * queued registrations are held, so none can be sent while the money goes back.
   */
  holdForVoid(id: string, actor: string): Payment {
    this.db
      .transaction(() => {
        const payment = this.get(id);
        if (!['approved', 'needs_attention'].includes(payment.state) || !payment.terminalTransactionRef)
          throw new StaffActionRefusedError(
            `payment ${id} is ${payment.state}: there is no card payment to reverse`,
            'action-not-possible',
          );
        const rows = this.outbox.listForPayment(id);
        if (rows.some((r) => r.state === 'delivered' || r.state === 'sending'))
          throw new StaffActionRefusedError(
            `payment ${id} is already (being) registered at ${rows
              .filter((r) => r.state === 'delivered' || r.state === 'sending')
              .map((r) => r.target)
              .join(', ')}: it can no longer be voided here`,
            'registration-sending',
          );
        this.outbox.holdForPayment(id);
        this.audit.append({
          actor,
          action: 'payment.void-requested',
          subject: id,
          data: { amountOre: payment.amountOre },
        });
      })
      .immediate();
    return this.get(id);
  }

  /** The terminal did not reverse: the held registrations go back to the queue. */
  releaseVoidHold(id: string, reason: string, actor: string): Payment {
    this.db
      .transaction(() => {
        this.outbox.retryNow(id);
        this.audit.append({ actor, action: 'payment.void-failed', subject: id, data: { reason } });
      })
      .immediate();
    return this.get(id);
  }

  /** The terminal reversed the payment: voided, and its held registrations are never sent. */
  void(id: string, reason: string, actor: string): Payment {
    return this.transition(id, 'voided', {
      actor,
      reason,
      within: () => this.outbox.cancelHeld(id, `payment voided: ${reason}`),
    });
  }

  /** Staff: send this payment's waiting or rejected registrations again, now. */
  retryDeliveries(id: string, actor: string): number {
    return this.db
      .transaction(() => {
        const payment = this.get(id);
        if (payment.state === 'voided')
          throw new StaffActionRefusedError(`payment ${id} is voided: nothing to register`, 'nothing-to-retry');
        const rows = this.outbox.retryNow(id);
        this.audit.append({ actor, action: 'delivery.retry-requested', subject: id, data: { rows } });
        return rows;
      })
      .immediate();
  }

  /**
   * Staff: a payment needing attention whose registrations were handled outside the kiosk (for
   * example entered in the debtor system by the finance department). The reason is kept.
   */
  settleByStaff(id: string, reason: string, actor: string): Payment {
    const payment = this.get(id);
    if (payment.state !== 'needs_attention' || !payment.terminalTransactionRef)
      throw new StaffActionRefusedError(
        `payment ${id} is ${payment.state}: only a charged payment needing attention`,
        'action-not-possible',
      );
    return this.transition(id, 'settled', { actor, reason });
  }

  /**
   * What the terminal says about a payment, recorded; when the terminal captured money for a
   * payment the kiosk recorded as declined (a request that arrived after the kiosk gave up on
   * it), the payment goes to staff in the same transaction, with the terminal's reference, so
   * staff can refund it (void) or register it.
   */
  recordTerminalCheck(
    check: TerminalCheck,
    resolve?: { readonly approveWith: readonly OutboxSpec[] } | { readonly decline: true },
  ): Payment {
    this.db
      .transaction(() => {
        this.terminalChecks.record(check);
        const payment = this.get(check.paymentId);
        // A payment the recovery handed to staff because the terminal could not say in time
        // (no reference, so no money counted): the terminal's own final answer settles it, as it
        // would have settled it had it come in time. Its claims were held all along.
        const undecided = payment.state === 'needs_attention' && payment.terminalTransactionRef === null;
        if (undecided && resolve && 'approveWith' in resolve && check.outcome === 'captured' && check.transactionRef) {
          this.approve(
            payment.id,
            check.transactionRef,
            resolve.approveWith,
            'system',
            null,
            `terminal-check: the terminal's own record shows it took the money (reference ${check.transactionRef})`,
          );
          return;
        }
        if (undecided && resolve && 'decline' in resolve && check.outcome === 'not-captured') {
          this.decline(payment.id, 'terminal-check', "the terminal's own record shows the payment failed", 'system');
          return;
        }
        if (check.outcome === 'captured' && payment.state === 'declined') {
          this.transition(payment.id, 'needs_attention', {
            actor: 'system',
            ...(check.transactionRef ? { terminalTransactionRef: check.transactionRef } : {}),
            reason:
              `terminal-capture: the terminal took ${check.capturedOre} øre (reference ${check.transactionRef ?? '?'}) ` +
              `for a payment the kiosk had recorded as declined (${this.latestReason(payment.id) ?? ''}); ` +
              'refund it (void) or register it',
          });
        }
      })
      .immediate();
    return this.get(check.paymentId);
  }

  get(id: string): Payment {
    const row = this.stmts.payment.get(id) as PaymentRow | undefined;
    if (!row) throw new PaymentNotFoundError(`no payment ${id}`);
    const lines = (this.stmts.lines.all(id) as LineRow[]).map(
      (l): PaymentLine => ({
        claimId: l.claim_id,
        feeId: l.fee_id,
        route: l.route,
        type: l.type,
        reason: l.reason,
        materials: JSON.parse(l.materials_json) as PaymentLine['materials'],
        amountOre: l.amount_ore,
      }),
    );
    return {
      id: row.id,
      state: row.state,
      channel: row.channel,
      method: row.method,
      patronId: row.patron_id,
      amountOre: row.amount_ore,
      currency: row.currency,
      lines,
      terminalTransactionRef: row.terminal_transaction_ref,
      terminalRequestRef: row.terminal_request_ref,
      card:
        row.card_scheme === null && row.card_last4 === null ? null : { scheme: row.card_scheme, last4: row.card_last4 },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** Registrations of this payment not yet delivered (queued, sending or rejected). */
  undeliveredCount(id: string): number {
    return (this.stmts.openDeliveries.get(id) as { n: number }).n;
  }

  /** Why the payment was declined, as its code; null if it is not (or was never) declined. */
  declineCode(id: string): DeclineCode | null {
    const row = this.stmts.declineCode.get(id) as { code: string | null } | undefined;
    return row?.code ? DeclineCode.catch('other').parse(row.code) : null;
  }

  /** The reason given with the payment's latest state change (e.g. why it was declined). */
  latestReason(id: string): string | null {
    const row = this.stmts.latestReason.get(id) as { reason: string | null } | undefined;
    return row?.reason ?? null;
  }

  /**
   * When `authorizing` was written (ISO): the request was sent at once after it, never before.
   * Null for a payment that never got that far.
   */
  authorizingAt(id: string): string | null {
    const row = this.stmts.authorizingAt.get(id) as { at: string } | undefined;
    return row?.at ?? null;
  }

  /** The terminal's time stamp and cardholder receipt for an approved payment (null: not given). */
  terminalRecord(id: string): TerminalRecord {
    const row = this.stmts.terminalRecord.get(id) as
      | { terminal_transaction_time: string | null; cardholder_receipt_json: string | null }
      | undefined;
    if (!row) throw new PaymentNotFoundError(`no payment ${id}`);
    const receipt = row.cardholder_receipt_json
      ? z.array(TerminalReceiptLine).safeParse(JSON.parse(row.cardholder_receipt_json))
      : null;
    return {
      transactionTime: row.terminal_transaction_time,
      cardholderReceipt: receipt?.success ? receipt.data : null,
    };
  }

  /** When the terminal's approval was recorded (ISO), or null for a payment never approved. */
  approvedAt(id: string): string | null {
    const row = this.stmts.approvedAt.get(id) as { at: string } | undefined;
    return row?.at ?? null;
  }

  /**
   * This kiosk's payments that hold any of these fees: paid (registered or not yet) or in doubt.
   * A fee listed here must never be charged again; a declined, voided or refunded payment holds
   * nothing (a refund under way or unanswered still holds: the money may not be back).
   */
  chargesForFees(feeIds: readonly string[]): FeeCharge[] {
    if (feeIds.length === 0) return [];
    // Prepared on first use: a report opened read-only on a journal from before migration 015
    // (the kiosk not yet restarted on this version) never asks, and has no refunds table.
    this.chargesForFeesStmt ??= this.db.prepare(CHARGES_FOR_FEES_SQL);
    const rows = this.chargesForFeesStmt.all({
      fees: JSON.stringify(feeIds),
      states: JSON.stringify(CLAIM_HOLDING_STATES),
    }) as {
      fee_id: string;
      claim_id: string;
      payment_id: string;
      state: PaymentState;
      terminal_transaction_ref: string | null;
      created_at: string;
      undelivered: number;
      deliveries: number;
    }[];
    return rows.map((r) => ({
      feeId: r.fee_id,
      claimId: r.claim_id,
      paymentId: r.payment_id,
      state: r.state,
      charged: r.terminal_transaction_ref !== null,
      registered: r.state === 'settled' || (r.deliveries > 0 && r.undelivered === 0),
      at: r.created_at,
    }));
  }

  listByState(states: readonly PaymentState[]): Payment[] {
    const rows = this.stmts.byStates.all(JSON.stringify(states)) as { id: string }[];
    return rows.map((r) => this.get(r.id));
  }

  /** Payments where money may have been taken but the outcome is not recorded. */
  listInDoubt(): Payment[] {
    return this.listByState(IN_DOUBT_STATES);
  }

  /**
   * Approved payments whose registrations are held: a staff void that a restart interrupted (the
   * void holds the registrations before it asks the terminal to reverse the money).
   */
  listWithHeldRegistrations(): string[] {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT p.id FROM payments p JOIN outbox o ON o.payment_id = p.id
          WHERE o.state = 'held' AND p.state = 'approved' ORDER BY p.id`,
      )
      .all() as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Ids of the payments created in [fromIso, toIso), oldest first. */
  idsCreatedBetween(fromIso: string, toIso: string): string[] {
    const rows = this.db
      .prepare('SELECT id FROM payments WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id')
      .all(fromIso, toIso) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Runs inside the outbox's transaction when a delivery reaches a final state. */
  private onDeliveryFinal(row: OutboxRow, outcome: FinalOutcome): void {
    if (row.paymentId === null) return;
    const payment = this.get(row.paymentId);
    const data = { target: row.target, outboxId: row.id, idempotencyKey: row.idempotencyKey };
    if (outcome === 'rejected') {
      this.audit.append({
        actor: 'system',
        action: 'delivery.rejected',
        subject: payment.id,
        data: { ...data, error: row.lastError },
      });
      if (payment.state === 'approved') {
        this.transition(payment.id, 'needs_attention', {
          actor: 'system',
          reason: `${row.target} rejected: ${row.lastError ?? ''}`,
        });
      }
      return;
    }
    this.audit.append({ actor: 'system', action: 'delivery.delivered', subject: payment.id, data });
    const { n } = this.stmts.openDeliveries.get(payment.id) as { n: number };
    // needs_attention too: staff retried a rejected registration and now it went through.
    if (n === 0 && (payment.state === 'approved' || payment.state === 'needs_attention')) {
      this.transition(payment.id, 'settled', { actor: 'system' });
    }
  }

  private transition(
    id: string,
    to: PaymentState,
    options: {
      actor: string;
      reason?: string;
      code?: DeclineCode;
      terminalTransactionRef?: string;
      within?: () => void;
    },
  ): Payment {
    this.db
      .transaction(() => {
        const current = this.stmts.payment.get(id) as PaymentRow | undefined;
        if (!current) throw new PaymentNotFoundError(`no payment ${id}`);
        if (!canTransition(current.state, to)) {
          throw new IllegalTransitionError(`payment ${id}: ${current.state} → ${to} is not allowed`);
        }
        const at = this.now().toISOString();
        const changed = this.stmts.setState.run({
          id,
          from: current.state,
          to,
          at,
          ref: options.terminalTransactionRef ?? null,
        }).changes;
        if (changed !== 1) throw new IllegalTransitionError(`payment ${id} changed state concurrently`);
        this.stmts.insertTransition.run(id, current.state, to, options.reason ?? null, options.code ?? null, at);
        options.within?.();
        this.audit.append({
          actor: options.actor,
          action: `payment.${to}`,
          subject: id,
          data: {
            from: current.state,
            amountOre: current.amount_ore,
            ...(options.reason === undefined ? {} : { reason: options.reason }),
            ...(options.terminalTransactionRef === undefined
              ? {}
              : { terminalTransactionRef: options.terminalTransactionRef }),
          },
        });
      })
      .immediate();
    return this.get(id);
  }
}
