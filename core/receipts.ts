import { receiptFor, type Receipt, type Language } from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import { encodeReceipt } from '../devices/printer/escpos.js';
import type { PrinterStatus, ReceiptPrinter } from '../devices/printer/printer.js';
import { layoutReceipt, layoutRefundSlip, type ReceiptBlock } from '../devices/printer/receipt-layout.js';
import type { KioskConfig } from '../config/config.js';
import type { Logger } from '../base/log.js';

export interface ReceiptOutcome {
  readonly receipt: Receipt;
  /** False: the kiosk shows `receipt` on screen and tells the borrower why (`status`). */
  readonly printed: boolean;
  readonly status: PrinterStatus;
}

export class NotApprovedError extends Error {
  override name = 'NotApprovedError';
}

/**
 * Receipts for approved payments: built from the journal (the one record of what was paid),
 * printed if the printer can, and always returned so the screen can show it. Called after the
 * payment is recorded; a printer problem never touches the payment.
 */
export class Receipts {
  constructor(
    private readonly parts: {
      readonly journal: PaymentJournal;
      readonly printer: ReceiptPrinter;
      readonly library: KioskConfig['library'];
      readonly columns: number;
      readonly audit?: (paymentId: string, printed: boolean, status: PrinterStatus) => void;
      readonly log: Logger;
    },
  ) {}

  receipt(paymentId: string): Receipt {
    const payment = this.parts.journal.get(paymentId);
    const paidAt = this.parts.journal.approvedAt(paymentId);
    if (!paidAt) throw new NotApprovedError(`payment ${paymentId} was never approved: there is no receipt`);
    const { cardholderReceipt } = this.parts.journal.terminalRecord(paymentId);
    return receiptFor(payment, { libraryName: this.parts.library.name, paidAt, cardholderReceipt });
  }

  async print(paymentId: string, language: Language): Promise<ReceiptOutcome> {
    const receipt = this.receipt(paymentId);
    return this.send(receipt, layoutReceipt(receipt, this.layoutOptions(language)));
  }

  /** The slip for money given back after registration (the staff's refund). */
  async printRefund(paymentId: string, refundedAt: string, language: Language): Promise<ReceiptOutcome> {
    const receipt = this.receipt(paymentId);
    return this.send(receipt, layoutRefundSlip(receipt, refundedAt, this.layoutOptions(language)));
  }

  private layoutOptions(language: Language) {
    return { language, timeZone: this.parts.library.timeZone, footer: this.parts.library.receiptText };
  }

  private async send(receipt: Receipt, blocks: ReceiptBlock[]): Promise<ReceiptOutcome> {
    const { paymentId } = receipt;
    const bytes = encodeReceipt(blocks, { columns: this.parts.columns });
    const result = await this.parts.printer.print(bytes);
    this.parts.audit?.(paymentId, result.printed, result.status);
    if (!result.printed) {
      this.parts.log.warn({ paymentId, printer: result.status }, 'receipt not printed: shown on screen');
    }
    return { receipt, printed: result.printed, status: result.status };
  }
}
