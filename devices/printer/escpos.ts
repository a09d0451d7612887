import ReceiptPrinterEncoder from '@point-of-sale/receipt-printer-encoder';
import type { ReceiptBlock } from './receipt-layout.js';

export interface EscPosOptions {
  /** Characters per line: 48 on 80 mm paper (font A), 32 on 58 mm. */
  readonly columns: number;
}

/**
 * ESC/POS bytes for a laid-out receipt, made with @point-of-sale/receipt-printer-encoder. Code
 * page 865 (Nordic) holds æ, ø and å; a character it lacks prints as "?" rather than failing the
 * receipt.
 */
export function encodeReceipt(blocks: readonly ReceiptBlock[], options: EscPosOptions): Uint8Array {
  const encoder = new ReceiptPrinterEncoder({
    language: 'esc-pos',
    columns: options.columns,
    codepageMapping: 'epson',
    newline: '\n',
    errors: 'relaxed',
  });
  let e = encoder.initialize().codepage('cp865');
  const amountWidth = 16;
  for (const block of blocks) {
    switch (block.kind) {
      case 'heading':
        e = e.align('center').bold(true).line(block.text).bold(false).align('left');
        break;
      case 'text':
        e = e.line(block.text);
        break;
      case 'amount':
        e = e.bold(!!block.bold).table(
          [
            { width: options.columns - amountWidth - 1, marginRight: 1, align: 'left', overflow: 'wrap' },
            { width: amountWidth, align: 'right' },
          ],
          [[block.label, block.amount]],
        );
        if (block.bold) e = e.bold(false);
        break;
      case 'rule':
        e = e.rule({ style: 'single' }).codepage('cp865');
        break;
      case 'space':
        e = e.newline();
        break;
    }
  }
  return e.newline(3).cut('partial').encode();
}
