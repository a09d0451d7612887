import {
  formatDkk,
  maskedCard,
  TEXTS,
  type Language,
  type Material,
  type Receipt,
  type TerminalReceiptLine,
} from '../../contract/index.js';

/** One receipt as laid out for a printer: what goes on which line, before any printer commands. */
export type ReceiptBlock =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'amount'; readonly label: string; readonly amount: string; readonly bold?: boolean }
  | { readonly kind: 'rule' }
  | { readonly kind: 'space' };

export interface LayoutOptions {
  readonly language: Language;
  /** The library's time zone, for the date and time printed. */
  readonly timeZone: string;
  /** The library's own text at the bottom (config library.receiptText). */
  readonly footer?: string;
}

export function layoutReceipt(receipt: Receipt, options: LayoutOptions): ReceiptBlock[] {
  const t = TEXTS[options.language].receipt;
  const blocks: ReceiptBlock[] = [
    { kind: 'heading', text: receipt.libraryName },
    { kind: 'heading', text: t.title },
    { kind: 'space' },
    { kind: 'text', text: `${t.date}: ${formatDateTime(receipt.paidAt, options)}` },
    // The id alone on its line: 36 characters fit even 58 mm paper unbroken.
    { kind: 'text', text: `${t.payment}:` },
    { kind: 'text', text: receipt.paymentId },
    { kind: 'rule' },
  ];
  for (const line of receipt.lines) {
    blocks.push({ kind: 'amount', label: line.reason, amount: formatDkk(line.amountOre) });
    for (const material of line.materials)
      blocks.push({ kind: 'text', text: `  ${describeMaterial(material, t.copy)}` });
    blocks.push({ kind: 'text', text: `  ${t[line.route]}` });
  }
  blocks.push({ kind: 'rule' });
  blocks.push({ kind: 'amount', label: t.total, amount: formatDkk(receipt.totalOre), bold: true });
  blocks.push({ kind: 'space' });
  if (receipt.terminalReference)
    blocks.push({ kind: 'text', text: `${t.terminalReference}: ${receipt.terminalReference}` });
  const card = maskedCard(receipt.card);
  if (card) blocks.push({ kind: 'text', text: `${t.card}: ${card}` });
  blocks.push({ kind: 'space' });
  blocks.push({ kind: 'text', text: t.note });
  blocks.push({ kind: 'space' });
  blocks.push({ kind: 'heading', text: t.thanks });
  if (options.footer) blocks.push({ kind: 'space' }, { kind: 'text', text: options.footer });
  if (receipt.cardholderReceipt) blocks.push(...layoutCardholderReceipt(receipt.cardholderReceipt, t.cardReceipt));
  return blocks;
}

/**
 * The borrower's slip for money given back after registration: what the payment paid, the
 * amount returned and how, and the payment's id (the library reopens the claims by it).
 */
export function layoutRefundSlip(receipt: Receipt, refundedAt: string, options: LayoutOptions): ReceiptBlock[] {
  const t = TEXTS[options.language].receipt;
  const blocks: ReceiptBlock[] = [
    { kind: 'heading', text: receipt.libraryName },
    { kind: 'heading', text: t.refundTitle },
    { kind: 'space' },
    { kind: 'text', text: `${t.date}: ${formatDateTime(refundedAt, options)}` },
    { kind: 'text', text: `${t.paidOn}: ${formatDateTime(receipt.paidAt, options)}` },
    { kind: 'text', text: `${t.payment}:` },
    { kind: 'text', text: receipt.paymentId },
    { kind: 'rule' },
  ];
  for (const line of receipt.lines)
    blocks.push({ kind: 'amount', label: line.reason, amount: formatDkk(line.amountOre) });
  blocks.push({ kind: 'rule' });
  blocks.push({ kind: 'amount', label: t.refunded, amount: formatDkk(-receipt.totalOre), bold: true });
  const card = maskedCard(receipt.card);
  if (card) blocks.push({ kind: 'text', text: `${t.refundedTo}: ${card}` });
  blocks.push({ kind: 'space' });
  blocks.push({ kind: 'text', text: t.refundNote });
  if (options.footer) blocks.push({ kind: 'space' }, { kind: 'text', text: options.footer });
  return blocks;
}

/** The terminal's cardholder receipt, below the kiosk's own, as the terminal gave it. */
function layoutCardholderReceipt(lines: readonly TerminalReceiptLine[], title: string): ReceiptBlock[] {
  const blocks: ReceiptBlock[] = [{ kind: 'space' }, { kind: 'rule' }, { kind: 'heading', text: title }];
  for (const line of lines) {
    if (line.name && line.value)
      blocks.push({ kind: 'amount', label: line.name, amount: line.value, ...(line.bold ? { bold: true } : {}) });
    else if (line.name || line.value) blocks.push({ kind: 'text', text: line.name || line.value });
    else blocks.push({ kind: 'space' });
  }
  return blocks;
}

/** "Bog nr. 5012345678", as the screen says it (the kind is FBS's material group). */
function describeMaterial(material: Material, copy: string): string {
  const item = material.materialGroup
    ? `${material.materialGroup} ${copy} ${material.itemNumber}`
    : `${copy} ${material.itemNumber}`;
  return [item, material.periodical].filter(Boolean).join(', ');
}

/** "21.11.2026 kl. 14.04" / "21/11/2026 14:04", in the library's time zone. */
export function formatDateTime(iso: string, options: LayoutOptions): string {
  const locale = options.language === 'da' ? 'da-DK' : 'en-GB';
  const at = new Date(iso);
  const date = new Intl.DateTimeFormat(locale, {
    timeZone: options.timeZone,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(at);
  const time = new Intl.DateTimeFormat(locale, {
    timeZone: options.timeZone,
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  return options.language === 'da' ? `${date} kl. ${time}` : `${date} ${time}`;
}
