import { formatDkk, TEXTS, type DayReport, type Payment, type PaymentEntry, type Language } from '../contract/index.js';
import { StaffActionRefusedError, type PaymentJournal } from '../db/journal.js';
import { RefundNotPossibleError, type RefundStore } from '../db/refunds.js';
import { encodeReceipt } from '../devices/printer/escpos.js';
import type { PrintResult, ReceiptPrinter } from '../devices/printer/printer.js';
import { formatDateTime, type ReceiptBlock } from '../devices/printer/receipt-layout.js';
import type { PaymentTerminal } from '../ports/payment-terminal.js';
import { planDeliveries } from './deliveries.js';
import type { Logger } from '../base/log.js';
import type { Reconciliation } from './reconciliation.js';
import type { ReceiptOutcome, Receipts } from './receipts.js';
import { messageOf } from '../base/errors.js';

export { StaffActionRefusedError } from '../db/journal.js';

/** How a payment needing attention was settled by staff, with the reason they give. */
export type Resolution =
  | { readonly kind: 'charged'; readonly terminalTransactionRef: string; readonly reason: string }
  | { readonly kind: 'not-charged'; readonly reason: string }
  | { readonly kind: 'registered'; readonly reason: string };

export const MIN_REASON_LENGTH = 5;

/**
 * What staff can do with the day's payments: retry, resolve, void, reprint, and the end-of-day
 * report. Each action checks the payment's state in the journal (which refuses any illegal
 * move), is written to the audit log under the staff member's id, and never moves money twice:
 * a void holds the registrations before the terminal is asked, so none can be sent meanwhile.
 */
export class PaymentDesk {
  constructor(
    private readonly parts: {
      readonly journal: PaymentJournal;
      readonly reconciliation: Reconciliation;
      /** Refunds after registration (db/refunds.ts). */
      readonly refunds: RefundStore;
      readonly terminal: PaymentTerminal;
      readonly receipts: Receipts;
      readonly printer: ReceiptPrinter;
      readonly columns: number;
      readonly timeZone: string;
      readonly libraryName: string;
      /** Wakes the outbox worker after a retry. */
      readonly wake: () => void;
      readonly log: Logger;
    },
  ) {}

  day(date?: string): DayReport {
    return this.parts.reconciliation.day(date ?? this.parts.reconciliation.today());
  }

  payment(id: string): PaymentEntry {
    return this.parts.reconciliation.entry(this.parts.journal.get(id));
  }

  retry(id: string, actor: string): PaymentEntry {
    this.require(id, 'retry');
    this.parts.journal.retryDeliveries(id, actor);
    this.parts.wake();
    return this.payment(id);
  }

  resolve(id: string, resolution: Resolution, actor: string): PaymentEntry {
    const reason = resolution.reason.trim();
    if (reason.length < MIN_REASON_LENGTH)
      throw new StaffActionRefusedError('give a reason (what you checked, e.g. the terminal journal)', 'reason-needed');
    const { journal } = this.parts;
    switch (resolution.kind) {
      case 'charged': {
        const payment = this.require(id, 'resolve-charged');
        const ref = resolution.terminalTransactionRef.trim();
        if (!/^[\w.:/-]{1,200}$/u.test(ref))
          throw new StaffActionRefusedError(
            'the terminal reference from the terminal journal is needed',
            'terminal-ref-needed',
          );
        // Registering claims another payment of this kiosk already paid would register them twice.
        const others = journal.chargesForFees(payment.lines.map((l) => l.feeId)).filter((c) => c.paymentId !== id);
        if (others.length > 0)
          throw new StaffActionRefusedError(
            `these claims are already paid by payment ${others.map((o) => o.paymentId).join(', ')}: ` +
              'the borrower was charged twice, so void this payment (refund) instead',
            'already-paid-elsewhere',
          );
        journal.approve(id, ref, planDeliveries(payment, ref, new Date()), actor, null, `staff: ${reason}`);
        this.parts.wake();
        break;
      }
      case 'not-charged':
        this.require(id, 'resolve-not-charged');
        journal.decline(id, 'staff', reason, actor);
        break;
      case 'registered':
        this.require(id, 'resolve-registered');
        journal.settleByStaff(id, `staff: ${reason}`, actor);
        break;
    }
    return this.payment(id);
  }

  /**
   * Reverses a card payment nothing has been registered for yet. The registrations are held
   * first (one transaction), then the terminal is asked. Refused: they go back to the queue.
   * No answer: they stay held and the payment goes to staff, since the money may be back.
   */
  async void(id: string, reason: string, actor: string): Promise<PaymentEntry> {
    if (reason.trim().length < MIN_REASON_LENGTH)
      throw new StaffActionRefusedError('give a reason for the void', 'reason-needed');
    this.require(id, 'void');
    const { journal, terminal, log } = this.parts;
    const held = journal.holdForVoid(id, actor);
    let outcome;
    try {
      outcome = await terminal.reverse(this.reversalOf(held));
    } catch (error) {
      const detail = messageOf(error);
      log.error({ paymentId: id, detail }, 'void: the terminal did not answer; registrations stay held');
      if (journal.get(id).state === 'approved')
        journal.flagForStaff(id, `void unanswered by the terminal (${detail}): check its journal`, actor);
      throw new StaffActionRefusedError(
        `the terminal did not answer (${detail}). Check the terminal journal: if the payment was reversed, ` +
          'void it again; if not, use "retry" to release the registrations.',
        'void-no-answer',
        detail,
      );
    }
    if (outcome.outcome === 'refused') {
      journal.releaseVoidHold(id, `terminal refused: ${outcome.detail}`, actor);
      this.parts.wake();
      throw new StaffActionRefusedError(
        `the terminal refused the reversal: ${outcome.detail}`,
        'void-refused',
        outcome.detail,
      );
    }
    journal.void(id, `staff: ${reason.trim()}`, actor);
    log.info({ paymentId: id, actor }, 'payment voided at the terminal');
    return this.payment(id);
  }

  /**
   * Gives the money back for a payment already registered (a void can no longer take it back):
   * the borrower paid a replacement fee and then found the book, or paid a claim twice. The
   * attempt is persisted before the provider is asked (the refund's row is unique per payment,
   * so two staff members never refund it twice). The registrations stand: neither FBS nor the
   * debtor system lets the kiosk take one back, so the refund stays on the day's report until
   * staff confirm they reopened the claims there (`confirmReinstated`).
   *
   * Asking again after no answer is safe: MobilePay's refund is idempotent by its key and the
   * driver first asks what was already refunded; a card terminal's reversal names the original
   * transaction, which the acquirer refunds only up to what is left of it (Adyen validates each
   * referenced refund before it goes to the scheme: its CANCEL_OR_REFUND notification).
   */
  async refund(id: string, reason: string, actor: string, language: Language = 'da'): Promise<PaymentEntry> {
    const why = reason.trim();
    if (why.length < MIN_REASON_LENGTH)
      throw new StaffActionRefusedError('give a reason for the refund', 'reason-needed');
    const payment = this.require(id, 'refund');
    const { terminal, refunds, log } = this.parts;
    let refund;
    try {
      refund = refunds.begin({ paymentId: id, amountOre: payment.amountOre, reason: why, actor });
    } catch (error) {
      if (error instanceof RefundNotPossibleError)
        throw new StaffActionRefusedError(error.message, 'refund-not-possible', error.message);
      throw error;
    }
    let outcome;
    try {
      outcome = await terminal.reverse(this.reversalOf(payment));
    } catch (error) {
      const detail = messageOf(error);
      refunds.unknown(refund, detail, actor);
      log.error({ paymentId: id, detail }, 'refund: no answer; the money may be back');
      throw new StaffActionRefusedError(
        `no answer to the refund (${detail}). Check ${payment.method === 'mobilepay' ? 'the MobilePay portal' : 'the terminal journal'}: ` +
          'refunding again does not pay it twice.',
        'refund-no-answer',
        detail,
      );
    }
    if (outcome.outcome === 'refused') {
      refunds.refused(refund, outcome.detail, actor);
      throw new StaffActionRefusedError(`the refund was refused: ${outcome.detail}`, 'refund-refused', outcome.detail);
    }
    refunds.refunded(refund, actor);
    log.info({ paymentId: id, actor, method: payment.method }, 'payment refunded after registration');
    // The borrower's slip; a printer problem never touches the refund (staff can say it instead).
    const refundedAt = refunds.forPayment(id)?.refundedAt ?? new Date().toISOString();
    await this.parts.receipts
      .printRefund(id, refundedAt, language)
      .catch((error: unknown) => log.warn({ paymentId: id, err: error }, 'refund slip not printed'));
    return this.payment(id);
  }

  /** Staff reopened a refunded payment's claims in FBS or the debtor system. */
  confirmReinstated(id: string, reason: string, actor: string): PaymentEntry {
    const note = reason.trim();
    if (note.length < MIN_REASON_LENGTH)
      throw new StaffActionRefusedError(
        'say where you reopened the claims (e.g. "FBS: fee reopened")',
        'where-reopened',
      );
    this.require(id, 'confirm-reinstated');
    if (!this.parts.refunds.reinstated(id, note, actor))
      throw new StaffActionRefusedError(
        `payment ${id} has no refund waiting for its claims to be reopened`,
        'no-refund-waiting',
      );
    return this.payment(id);
  }

  async reprint(id: string, actor: string, language: Language): Promise<ReceiptOutcome> {
    this.require(id, 'reprint');
    const outcome = await this.parts.receipts.print(id, language);
    this.parts.log.info({ paymentId: id, actor, printed: outcome.printed }, 'receipt reprinted');
    return outcome;
  }

  /** The end-of-day report on the receipt printer. */
  async printDay(report: DayReport, language: Language): Promise<PrintResult> {
    const blocks = layoutDayReport(report, { language, timeZone: this.parts.timeZone }, this.parts.libraryName);
    return this.parts.printer.print(encodeReceipt(blocks, { columns: this.parts.columns }));
  }

  /** The original transaction a void or refund names: the terminal's reference and its own time. */
  private reversalOf(payment: Payment) {
    const { journal } = this.parts;
    return {
      paymentId: payment.id,
      transactionRef: payment.terminalTransactionRef ?? '',
      // Payments approved before the journal kept the terminal's time: the approval's own.
      transactionTime:
        journal.terminalRecord(payment.id).transactionTime ?? journal.approvedAt(payment.id) ?? payment.updatedAt,
      amountOre: payment.amountOre,
    };
  }

  private require(id: string, action: PaymentEntry['actions'][number]): Payment {
    const payment = this.parts.journal.get(id);
    const entry = this.parts.reconciliation.entry(payment);
    if (!entry.actions.includes(action)) {
      // The outbox is sending a registration this moment: it may land, so nothing that would
      // give the money back can start now — but in a moment it can.
      if (entry.deliveries.some((d) => d.state === 'sending'))
        throw new StaffActionRefusedError(
          `a registration of payment ${id} is being sent right now: press again in a moment`,
          'registration-sending',
        );
      throw new StaffActionRefusedError(
        `payment ${id} is ${payment.state}: "${action}" is not possible`,
        'action-not-possible',
      );
    }
    return payment;
  }
}

export function layoutDayReport(
  report: DayReport,
  options: { language: Language; timeZone: string },
  libraryName: string,
): ReceiptBlock[] {
  const t = TEXTS[options.language].dayReport;
  const totals = report.totals;
  const amount = (label: string, ore: number, bold = false): ReceiptBlock => ({
    kind: 'amount',
    label,
    amount: formatDkk(ore),
    bold,
  });
  const blocks: ReceiptBlock[] = [
    { kind: 'heading', text: libraryName },
    { kind: 'heading', text: t.title },
    { kind: 'text', text: `${t.date}: ${report.date}` },
    { kind: 'text', text: `${t.printed}: ${formatDateTime(report.generatedAt, options)}` },
    { kind: 'rule' },
    amount(`${t.approved} (${totals.cardApproved.count})`, totals.cardApproved.ore),
    amount(`${t.voided} (${totals.voided.count})`, -totals.voided.ore),
    ...(totals.refunded.count > 0 ? [amount(`${t.refunded} (${totals.refunded.count})`, -totals.refunded.ore)] : []),
    amount(t.net, totals.netCardOre, true),
    { kind: 'rule' },
    amount(t.fbs, totals.fbsRegisteredOre),
    amount(t.oeir, totals.oeirDeliveredOre),
    amount(t.queued, totals.queuedOre),
    amount(t.rejected, totals.rejectedOre),
    amount(t.staff, totals.resolvedByStaffOre),
    ...(totals.refunded.count > 0 ? [amount(t.reopened, -totals.reopenedOre)] : []),
    { kind: 'rule' },
    { kind: 'text', text: `${t.declined}: ${totals.declined.count}` },
    { kind: 'text', text: `${t.inDoubt}: ${totals.inDoubt.count}` },
    amount(
      `${t.terminal} (${totals.terminal.checked} ${t.terminalChecked}/${totals.terminal.checked + totals.terminal.unchecked})`,
      totals.terminal.capturedOre,
    ),
    { kind: 'space' },
  ];
  if (report.balanced) blocks.push({ kind: 'heading', text: t.balanced });
  else {
    blocks.push({ kind: 'heading', text: `${t.mismatches}: ${report.mismatches.length}` });
    for (const m of report.mismatches) {
      blocks.push({ kind: 'amount', label: m.kind, amount: formatDkk(m.amountOre) });
      blocks.push({ kind: 'text', text: `  ${m.paymentId}` });
    }
  }
  return blocks;
}
