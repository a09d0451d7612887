import { z } from 'zod';
import { Ore } from './money.js';
import { CardSummary, Channel, DeliveryState, PaymentState } from './payment.js';

/**
 * What staff see of the day's payments and of the day's balance. The core decides every number
 * and which actions a payment allows (main/reconciliation.ts); the screen and the command line
 * only show them.
 */
export const StaffPaymentAction = z.enum([
  'retry', // send waiting or rejected registrations again, now
  'void', // reverse the card payment at the terminal (nothing registered yet)
  'resolve-charged', // the terminal's journal shows the money was taken: register it
  'resolve-not-charged', // the terminal's journal shows no money was taken
  'resolve-registered', // the registration was made outside the kiosk (e.g. by finance)
  'reprint', // print the receipt again
]);
export type StaffPaymentAction = z.infer<typeof StaffPaymentAction>;

export const DeliveryEntry = z
  .object({
    target: z.string().max(50),
    route: z.enum(['fbs', 'debtor']),
    amountOre: Ore,
    state: DeliveryState,
    attempts: z.number().int().min(0),
    lastError: z.string().max(2100).nullable(),
  })
  .strict();
export type DeliveryEntry = z.infer<typeof DeliveryEntry>;

export const PaymentEntry = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    channel: Channel,
    state: PaymentState,
    amountOre: Ore,
    /** Set once the terminal approved: the card was charged this amount. */
    terminalTransactionRef: z.string().max(200).nullable(),
    card: CardSummary.nullable(),
    /** Why it is in its state (decline reason, rejection, staff's reason). */
    reason: z.string().max(2100).nullable(),
    deliveries: z.array(DeliveryEntry),
    actions: z.array(StaffPaymentAction),
  })
  .strict();
export type PaymentEntry = z.infer<typeof PaymentEntry>;

export const MismatchKind = z.enum([
  'in-doubt', // the terminal has not said whether money was taken
  'needs-attention', // staff must act (see the payment's reason)
  'rejected', // a registration was refused by FBS or ØiR
  'queued', // charged, registration still waiting (network down)
  'amount-differs', // registrations do not add up to what the card paid
  'voided-but-registered', // reversed at the terminal, yet registered
]);
export type MismatchKind = z.infer<typeof MismatchKind>;

export const Mismatch = z
  .object({ paymentId: z.uuid(), kind: MismatchKind, amountOre: Ore, detail: z.string().max(2200) })
  .strict();
export type Mismatch = z.infer<typeof Mismatch>;

const CountAndOre = z.object({ count: z.number().int().min(0), ore: Ore }).strict();

export const DayTotals = z
  .object({
    /** Every payment the terminal approved this day (including those reversed later). */
    cardApproved: CountAndOre,
    /** Reversed at the terminal by staff. */
    voided: CountAndOre,
    /** What the card terminal's day should show: approved minus reversed. */
    netCardOre: Ore,
    declined: CountAndOre,
    /** Money may have been taken; the terminal has not said. */
    inDoubt: CountAndOre,
    fbsRegisteredOre: Ore,
    oeirDeliveredOre: Ore,
    queuedOre: Ore,
    rejectedOre: Ore,
    /** Registered outside the kiosk, with a reason recorded by staff. */
    resolvedByStaffOre: Ore,
  })
  .strict();
export type DayTotals = z.infer<typeof DayTotals>;

export const DayReport = z
  .object({
    /** The library's local date, YYYY-MM-DD. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    timeZone: z.string().max(100),
    generatedAt: z.iso.datetime(),
    payments: z.array(PaymentEntry),
    totals: DayTotals,
    mismatches: z.array(Mismatch),
    /** netCard = FBS + ØiR + queued + rejected + resolved by staff, and nothing is in doubt or waiting on staff. */
    balanced: z.boolean(),
  })
  .strict();
export type DayReport = z.infer<typeof DayReport>;

/** The parts `kiosk doctor` and the technician screen check, in the order they are shown. */
export const DiagnosticPart = z.enum([
  'config',
  'database',
  'disk',
  'fbs',
  'oeir',
  'certificate',
  'terminal',
  'printer',
  'scanners',
]);
export type DiagnosticPart = z.infer<typeof DiagnosticPart>;

export const DiagnosticCheck = z
  .object({
    part: DiagnosticPart,
    /** ok; warning: works, but look (expiring certificate, queued payments); broken: does not work. */
    level: z.enum(['ok', 'warning', 'broken']),
    summary: z.string().max(500),
    details: z.array(z.string().max(1000)).max(50),
  })
  .strict();
export type DiagnosticCheck = z.infer<typeof DiagnosticCheck>;
