import {
  sumOre,
  type DayReport,
  type DayTotals,
  type DeliveryEntry,
  type Mismatch,
  type Payment,
  type PaymentEntry,
  type StaffPaymentAction,
  type TerminalTestEntry,
  type TerminalClosingEntry,
  type RefundEntry,
} from '../contract/index.js';
import type { PaymentJournal } from '../db/journal.js';
import type { TerminalTestReads } from '../db/terminal-tests.js';
import type { TerminalClosingReads } from '../db/terminal-closings.js';
import type { Refund, RefundReads } from '../db/refunds.js';
import type { OutboxStore } from '../db/outbox.js';
import { RegistrationPayload } from '../ports/outbox-target.js';

/** What the day's reconciliation reads of the journal: it never writes. */
type PaymentReads = Pick<
  PaymentJournal,
  'get' | 'latestReason' | 'declineCode' | 'terminalChecks' | 'idsCreatedBetween'
>;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC instants where a local day begins and ends in `timeZone` (handles summer time). */
export function dayBounds(date: string, timeZone: string): { from: string; to: string } {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const start = localMidnight(y, m, d, timeZone);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  const end = localMidnight(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
  if (Number.isNaN(start) || new Date(Date.UTC(y, m - 1, d)).getUTCDate() !== d)
    throw new RangeError(`no such date: ${date}`);
  return { from: new Date(start).toISOString(), to: new Date(end).toISOString() };
}

/** The library's local date of an instant, YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

function localMidnight(y: number, m: number, d: number, timeZone: string): number {
  // Guess UTC midnight, then correct by the zone's offset at that moment (twice, for DST edges).
  let at = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 2; i += 1) at = Date.UTC(y, m - 1, d) - offsetMs(at, timeZone);
  return at;
}

function offsetMs(at: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return local - Math.floor(at / 1000) * 1000;
}

/**
 * The day's payments and the day's balance, from the journal and the outbox alone (the kiosk's
 * own record). What the card terminal approved, minus what staff reversed, must equal what FBS
 * and ØiR registered plus what is still queued, rejected or was registered outside the kiosk;
 * every payment that keeps the day from balancing is listed as a mismatch with its reason.
 */
export class Reconciliation {
  private readonly tests: TerminalTestReads | null;
  private readonly closings: TerminalClosingReads | null;
  private readonly refunds: RefundReads | null;
  private readonly now: () => Date;

  constructor(
    private readonly journal: PaymentReads,
    private readonly outbox: Pick<OutboxStore, 'listForPayment'>,
    private readonly timeZone: string,
    records: {
      /** The technician's terminal tests (db/terminal-tests.ts); none where not given. */
      readonly tests?: TerminalTestReads | null;
      /** Closings of the terminal's day (db/terminal-closings.ts); none where not given. */
      readonly closings?: TerminalClosingReads | null;
      /** Refunds after registration (db/refunds.ts); none where not given. */
      readonly refunds?: RefundReads | null;
      readonly now?: () => Date;
    } = {},
  ) {
    this.tests = records.tests ?? null;
    this.closings = records.closings ?? null;
    this.refunds = records.refunds ?? null;
    this.now = records.now ?? (() => new Date());
  }

  today(): string {
    return localDate(this.now(), this.timeZone);
  }

  /** One payment as staff see it: state, registrations and what can be done with it. */
  entry(payment: Payment): PaymentEntry {
    const deliveries = this.outbox.listForPayment(payment.id).map((row): DeliveryEntry => {
      const payload = RegistrationPayload.safeParse(row.payload);
      return {
        target: row.target,
        route: payload.success ? payload.data.route : row.target.startsWith('fbs') ? 'fbs' : 'debtor',
        amountOre: payload.success ? payload.data.amountOre : 0,
        state: row.state,
        attempts: row.attempts,
        lastError: row.lastError,
      };
    });
    const check = this.journal.terminalChecks.get(payment.id);
    const refund = this.refunds?.forPayment(payment.id) ?? null;
    return {
      id: payment.id,
      createdAt: payment.createdAt,
      channel: payment.channel,
      method: payment.method,
      state: payment.state,
      amountOre: payment.amountOre,
      terminalTransactionRef: payment.terminalTransactionRef,
      card: payment.card,
      reason: this.journal.latestReason(payment.id),
      declineCode: payment.state === 'declined' ? this.journal.declineCode(payment.id) : null,
      deliveries,
      actions: actionsFor(payment, deliveries, refund),
      terminalCheck: check
        ? { outcome: check.outcome, capturedOre: check.capturedOre, checkedAt: check.checkedAt }
        : null,
      sentToTerminal: payment.terminalRequestRef !== null,
      refund: refund ? refundEntry(refund, payment, deliveries) : null,
    };
  }

  day(date: string): DayReport {
    const { from, to } = dayBounds(date, this.timeZone);
    const payments = this.journal.idsCreatedBetween(from, to).map((id) => this.entry(this.journal.get(id)));
    const terminalTests = (this.tests?.createdBetween(from, to) ?? []).map(
      (test): TerminalTestEntry => ({
        id: test.id,
        createdAt: test.createdAt,
        actor: test.actor,
        amountOre: test.amountOre,
        state: test.state,
        transactionRef: test.transactionRef,
        detail: test.detail,
      }),
    );
    const terminalClosings = (this.closings?.requestedBetween(from, to) ?? []).map(
      (c): TerminalClosingEntry => ({
        id: c.id,
        requestedAt: c.requestedAt,
        requestedBy: c.requestedBy,
        state: c.state,
        closedAt: c.closedAt,
        session: c.session,
        lines: c.lines.slice(0, 500),
        kioskCard: c.kioskCard,
        detail: c.detail,
      }),
    );
    const refunds = (this.refunds?.requestedBetween(from, to) ?? []).map((refund) => {
      const payment = this.journal.get(refund.paymentId);
      return refundEntry(refund, payment, this.entry(payment).deliveries);
    });
    const mismatches = [
      ...payments.flatMap(mismatchesOf),
      ...terminalTests.flatMap(testMismatchesOf),
      ...refunds.flatMap(refundMismatchesOf),
    ];
    return {
      date,
      timeZone: this.timeZone,
      generatedAt: this.now().toISOString(),
      payments,
      terminalTests,
      terminalClosings,
      refunds,
      totals: totalsOf(payments, refunds),
      mismatches,
      balanced: mismatches.length === 0,
    };
  }
}

function refundEntry(refund: Refund, payment: Payment, deliveries: readonly DeliveryEntry[]): RefundEntry {
  const registeredIn = [...new Set(deliveries.filter((d) => d.state === 'delivered').map((d) => d.route))];
  return {
    paymentId: refund.paymentId,
    paymentCreatedAt: payment.createdAt,
    method: payment.method,
    amountOre: refund.amountOre,
    state: refund.state,
    reason: refund.reason,
    requestedBy: refund.requestedBy,
    requestedAt: refund.requestedAt,
    refundedAt: refund.refundedAt,
    detail: refund.detail,
    reinstated: refund.reinstated,
    registeredIn: registeredIn.sort(),
  };
}

function actionsFor(
  payment: Payment,
  deliveries: readonly DeliveryEntry[],
  refund: Refund | null,
): StaffPaymentAction[] {
  const actions: StaffPaymentAction[] = [];
  const charged = payment.terminalTransactionRef !== null;
  const open = ['approved', 'needs_attention'].includes(payment.state);
  if (open && deliveries.some((d) => ['pending', 'rejected', 'held'].includes(d.state))) actions.push('retry');
  if (open && charged && !deliveries.some((d) => d.state === 'delivered' || d.state === 'sending'))
    actions.push('void');
  if (payment.state === 'needs_attention' && !charged) actions.push('resolve-charged', 'resolve-not-charged');
  // The terminal took money the kiosk had recorded as declined: register it (or void it, above).
  if (payment.state === 'needs_attention' && charged && deliveries.length === 0) actions.push('resolve-charged');
  if (payment.state === 'needs_attention' && charged) actions.push('resolve-registered');
  if (charged && payment.state !== 'voided') actions.push('reprint');
  // Registered everywhere it was to be, so a void can no longer take it back: a refund can.
  // Asked again only after a refusal, or after no answer (the provider is asked what it already
  // gave back before it is asked to give anything).
  if (charged && payment.state === 'settled' && (refund === null || ['refused', 'unknown'].includes(refund.state)))
    actions.push('refund');
  if (refund?.state === 'refunded' && refund.reinstated === null) actions.push('confirm-reinstated');
  return actions;
}

function sumWhere(deliveries: readonly DeliveryEntry[], keep: (d: DeliveryEntry) => boolean): number {
  return sumOre(deliveries.filter(keep).map((d) => d.amountOre));
}

const QUEUED = new Set(['pending', 'sending', 'held']);

/**
 * A test that may have left money on the technician's card: approved and not reversed (the
 * reversal was refused, or the kiosk stopped before it), or cut short before the terminal answered.
 */
function testMismatchesOf(test: TerminalTestEntry): Mismatch[] {
  const detail: Partial<Record<TerminalTestEntry['state'], string>> = {
    approved: 'terminal test approved and not reversed: reverse it on the terminal',
    'reversal-failed': `terminal test approved, its reversal refused: reverse it on the terminal (${test.detail ?? ''})`,
    unknown: 'terminal test cut short: check the terminal, and reverse it there if it was charged',
    started: 'terminal test in progress',
  };
  const text = detail[test.state];
  return text ? [{ paymentId: test.id, kind: 'test-not-reversed', amountOre: test.amountOre, detail: text }] : [];
}

/** A refund keeps its day from balancing until the money is known back and the claims reopened. */
function refundMismatchesOf(refund: RefundEntry): Mismatch[] {
  const where = refund.registeredIn.map((r) => (r === 'fbs' ? 'FBS' : 'the debtor system')).join(' and ');
  if (refund.state === 'requested' || refund.state === 'unknown')
    return [
      {
        paymentId: refund.paymentId,
        kind: 'refund-in-doubt',
        amountOre: refund.amountOre,
        detail: `refund asked, no answer (${refund.detail ?? 'under way'}): check ${
          refund.method === 'mobilepay' ? 'the MobilePay portal' : 'the terminal journal'
        }, then refund again (it is not paid twice)`.slice(0, 2200),
      },
    ];
  if (refund.state === 'refunded' && refund.reinstated === null)
    return [
      {
        paymentId: refund.paymentId,
        kind: 'refund-not-reinstated',
        amountOre: refund.amountOre,
        detail: `money given back; the claims still stand as paid in ${where || 'FBS or the debtor system'}: correct them there (reopen or write off), then confirm`,
      },
    ];
  return [];
}

function mismatchesOf(p: PaymentEntry): Mismatch[] {
  const found: Mismatch[] = [];
  const add = (kind: Mismatch['kind'], amountOre: number, detail: string): void => {
    found.push({ paymentId: p.id, kind, amountOre, detail: detail.slice(0, 2200) });
  };
  const reason = p.reason ?? '';
  const charged = p.terminalTransactionRef !== null;
  const check = p.terminalCheck;
  if (check) {
    // What the kiosk counts as taken (and not given back) against what the terminal says it took.
    const counted = charged && p.state !== 'voided' ? p.amountOre : 0;
    const taken = check.outcome === 'captured' && p.state !== 'voided' ? check.capturedOre : 0;
    if (taken > counted)
      add('terminal-captured', taken - counted, `the terminal took ${taken} øre; the journal counts ${counted} øre`);
    if (counted > taken)
      add(
        'terminal-not-captured',
        counted - taken,
        `the journal counts ${counted} øre; the terminal took ${taken} øre`,
      );
  }
  if (p.state === 'authorizing' || p.state === 'unknown')
    add('in-doubt', p.amountOre, 'the terminal has not said whether the card was charged');
  if (p.state === 'needs_attention') add('needs-attention', p.amountOre, reason);
  if (p.state === 'voided') {
    const registered = sumWhere(p.deliveries, (d) => d.state === 'delivered');
    if (registered > 0) add('voided-but-registered', registered, 'reversed at the terminal, yet registered');
    return found;
  }
  if (!charged || p.state === 'declined') return found;
  // Charged with nothing planned to register yet: the terminal took money the kiosk had recorded as
  // declined. Its needs-attention line says so; staff register or refund it.
  if (p.state === 'needs_attention' && p.deliveries.length === 0) return found;
  for (const d of p.deliveries) {
    if (d.state === 'rejected' && p.state !== 'settled')
      add('rejected', d.amountOre, `${d.target}: ${d.lastError ?? ''}`);
    if (QUEUED.has(d.state)) add('queued', d.amountOre, `${d.target}: ${d.state}, ${d.attempts} attempt(s)`);
  }
  const accounted = sumWhere(p.deliveries, (d) => d.state !== 'cancelled');
  if (accounted !== p.amountOre)
    add('amount-differs', p.amountOre - accounted, `card ${p.amountOre} øre, registrations ${accounted} øre`);
  return found;
}

function totalsOf(payments: readonly PaymentEntry[], refunds: readonly RefundEntry[]): DayTotals {
  const count = (list: readonly PaymentEntry[]) => ({ count: list.length, ore: sumOre(list.map((p) => p.amountOre)) });
  const charged = payments.filter((p) => p.terminalTransactionRef !== null);
  const voided = payments.filter((p) => p.state === 'voided');
  const live = charged.filter((p) => p.state !== 'voided');
  const deliveries = live.flatMap((p) => p.deliveries.map((d) => ({ d, settledByStaff: p.state === 'settled' })));
  const sum = (keep: (x: { d: DeliveryEntry; settledByStaff: boolean }) => boolean): number =>
    sumOre(deliveries.filter(keep).map((x) => x.d.amountOre));
  const cardApproved = count(charged);
  const voidedTotal = count(voided);
  const checked = payments.filter((p) => p.terminalCheck !== null);
  const terminal = {
    checked: checked.length,
    unchecked: payments.filter((p) => p.sentToTerminal && p.terminalCheck === null).length,
    capturedOre: sumOre(
      checked.map((p) =>
        p.terminalCheck!.outcome === 'captured' && p.state !== 'voided' ? p.terminalCheck!.capturedOre : 0,
      ),
    ),
    journalOre: sumOre(
      checked.map((p) => (p.terminalTransactionRef !== null && p.state !== 'voided' ? p.amountOre : 0)),
    ),
  };
  const refunded = refunds.filter((r) => r.state === 'refunded');
  const refundedTotal = { count: refunded.length, ore: sumOre(refunded.map((r) => r.amountOre)) };
  // Money taken this day by method, net of what was reversed or refunded this day.
  const taken = (method: PaymentEntry['method']) => {
    const gross = count(live.filter((p) => p.method === method));
    const back = sumOre(refunded.filter((r) => r.method === method).map((r) => r.amountOre));
    return { count: gross.count, ore: gross.ore - back };
  };
  return {
    cardApproved,
    voided: voidedTotal,
    refunded: refundedTotal,
    netCardOre: cardApproved.ore - voidedTotal.ore - refundedTotal.ore,
    byMethod: { card: taken('card'), mobilepay: taken('mobilepay') },
    declined: count(payments.filter((p) => p.state === 'declined')),
    inDoubt: count(payments.filter((p) => p.state === 'authorizing' || p.state === 'unknown')),
    fbsRegisteredOre: sum(({ d }) => d.state === 'delivered' && d.route === 'fbs'),
    oeirDeliveredOre: sum(({ d }) => d.state === 'delivered' && d.route === 'debtor'),
    queuedOre: sum(({ d }) => QUEUED.has(d.state)),
    rejectedOre: sum(({ d, settledByStaff }) => d.state === 'rejected' && !settledByStaff),
    resolvedByStaffOre: sum(({ d, settledByStaff }) => d.state === 'rejected' && settledByStaff),
    reopenedOre: sumOre(refunded.filter((r) => r.reinstated !== null).map((r) => r.amountOre)),
    terminal,
  };
}

// ── CSV for the finance department ──────────────────────────────────────────────────────────

const CSV_HEADER = [
  'dato',
  'tid',
  'betaling',
  'kanal',
  'status',
  'kortbeløb',
  'FBS registreret',
  'ØiR registreret',
  'i kø',
  'afvist',
  'terminalreference',
  'kort',
  'terminalens tal',
  'bemærkning',
  'betalingsmiddel',
];

/**
 * Semicolon-separated with decimal commas and a byte-order mark: what Danish spreadsheets open
 * correctly. A cell that a spreadsheet would run as a formula is prefixed with an apostrophe.
 */
export function dayReportCsv(report: DayReport): string {
  const time = new Intl.DateTimeFormat('da-DK', {
    timeZone: report.timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const kr = (ore: number): string => (ore / 100).toFixed(2).replace('.', ',');
  const rows = report.payments.map((p) => {
    const charged = p.terminalTransactionRef !== null;
    const by = (keep: (d: DeliveryEntry) => boolean) => kr(sumWhere(p.deliveries, keep));
    return [
      report.date,
      time.format(new Date(p.createdAt)),
      p.id,
      p.channel,
      p.state,
      charged ? kr(p.amountOre) : '0,00',
      by((d) => d.state === 'delivered' && d.route === 'fbs'),
      by((d) => d.state === 'delivered' && d.route === 'debtor'),
      by((d) => QUEUED.has(d.state)),
      by((d) => d.state === 'rejected'),
      p.terminalTransactionRef ?? '',
      p.card?.last4 ? `${p.card.scheme ?? ''} **** ${p.card.last4}`.trim() : '',
      terminalCell(p),
      p.reason ?? '',
      p.method === 'mobilepay' ? 'MobilePay' : 'kort',
    ];
  });
  // Terminal tests: their own rows (channel "test"), money on the card only while not reversed.
  const tests = report.terminalTests.map((test) => [
    report.date,
    time.format(new Date(test.createdAt)),
    test.id,
    'test',
    test.state,
    ['approved', 'reversal-failed', 'unknown'].includes(test.state) ? kr(test.amountOre) : '0,00',
    '0,00',
    '0,00',
    '0,00',
    '0,00',
    test.transactionRef ?? '',
    '',
    '',
    test.detail ?? '',
    'kort',
  ]);
  // Refunds asked this day (of this or an earlier day's payment): money going back, its own rows.
  const refunds = report.refunds.map((r) => [
    report.date,
    time.format(new Date(r.requestedAt)),
    r.paymentId,
    'tilbagebetaling',
    r.reinstated ? 'refunded, genåbnet' : r.state,
    r.state === 'refunded' ? kr(-r.amountOre) : '0,00',
    '0,00',
    '0,00',
    '0,00',
    '0,00',
    '',
    '',
    '',
    `${r.reason} (betalt ${r.paymentCreatedAt.slice(0, 10)}; ${r.requestedBy}${r.detail ? `; ${r.detail}` : ''})`,
    r.method === 'mobilepay' ? 'MobilePay' : 'kort',
  ]);
  const t = report.totals;
  const totals = [
    report.date,
    '',
    'I ALT',
    '',
    report.balanced ? 'afstemt' : `${report.mismatches.length} afvigelse(r)`,
    kr(t.netCardOre),
    kr(t.fbsRegisteredOre),
    kr(t.oeirDeliveredOre),
    kr(t.queuedOre),
    kr(t.rejectedOre),
    '',
    '',
    `${kr(t.terminal.capturedOre)} (${t.terminal.checked} tjekket, ${t.terminal.unchecked} mangler)`,
    `godkendt ${kr(t.cardApproved.ore)}, annulleret ${kr(t.voided.ore)}, tilbagebetalt ${kr(t.refunded.ore)}, afklaret af personale ${kr(t.resolvedByStaffOre)}`,
    `kort ${kr(t.byMethod.card.ore)}, MobilePay ${kr(t.byMethod.mobilepay.ore)}`,
  ];
  const lines = [CSV_HEADER, ...rows, ...tests, ...refunds, totals].map((cells) => cells.map(csvCell).join(';'));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** What the terminal said when asked again: the amount it took, "ikke trukket", "ukendt", or empty. */
function terminalCell(p: PaymentEntry): string {
  const check = p.terminalCheck;
  if (!check) return p.sentToTerminal ? 'ikke tjekket endnu' : '';
  if (check.outcome === 'captured') return (check.capturedOre / 100).toFixed(2).replace('.', ',');
  return check.outcome === 'not-found' ? 'ukendt af terminalen' : 'ikke trukket';
}

function csvCell(value: string): string {
  // A negative amount (a refund) is a number, not a formula: it stays one for the spreadsheet.
  const amount = /^-\d+,\d{2}$/u.test(value);
  const safe = !amount && /^[=+\-@\t\r]/u.test(value) ? `'${value}` : value;
  return /[;"\r\n]/u.test(safe) ? `"${safe.replace(/"/gu, '""')}"` : safe;
}
