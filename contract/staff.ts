import { z } from 'zod';
import { Language } from './language.js';
import { Ore } from './money.js';
import { CardSummary, Channel, DeclineCode, DeliveryState, PaymentMethod, PaymentState } from './payment.js';

/**
 * What staff see of the day's payments and of the day's balance. The core decides every number
 * and which actions a payment allows (core/reconciliation.ts); the screen and the command line
 * only show them.
 */
export const StaffPaymentAction = z.enum([
  'retry', // send waiting or rejected registrations again, now
  'void', // reverse the card payment at the terminal (nothing registered yet)
  'resolve-charged', // the terminal's journal shows the money was taken: register it
  'resolve-not-charged', // the terminal's journal shows no money was taken
  'resolve-registered', // the registration was made outside the kiosk (e.g. by finance)
  'reprint', // print the receipt again
  'refund', // give the money back after registration (card terminal or MobilePay); claims stay paid in FBS/ØiR
  'confirm-reinstated', // after a refund: staff reopened the claims in FBS or the debtor system
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

/**
 * Money given back after registration. The kiosk cannot take a registration back, so until staff
 * confirm they reopened the claims in FBS or the debtor system (`reinstated`), the refund's day
 * does not balance.
 */
export const RefundEntry = z
  .object({
    paymentId: z.uuid(),
    /** When the payment itself was made (its own day's report counts it as paid and registered). */
    paymentCreatedAt: z.iso.datetime(),
    method: PaymentMethod,
    amountOre: Ore,
    /** requested: asked, no answer yet; unknown: no answer came, it may have been paid back. */
    state: z.enum(['requested', 'refunded', 'refused', 'unknown']),
    reason: z.string().max(500),
    requestedBy: z.string().max(100),
    requestedAt: z.iso.datetime(),
    refundedAt: z.iso.datetime().nullable(),
    detail: z.string().max(2000).nullable(),
    reinstated: z
      .object({ by: z.string().max(100), at: z.iso.datetime(), note: z.string().max(500) })
      .strict()
      .nullable(),
    /** Where the claims must be reopened: the registrations the payment made. */
    registeredIn: z.array(z.enum(['fbs', 'debtor'])),
  })
  .strict();
export type RefundEntry = z.infer<typeof RefundEntry>;

export const PaymentEntry = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    channel: Channel,
    /** Card terminal or MobilePay. */
    method: PaymentMethod,
    state: PaymentState,
    amountOre: Ore,
    /** Set once the terminal approved: the card was charged this amount. */
    terminalTransactionRef: z.string().max(200).nullable(),
    card: CardSummary.nullable(),
    /** Why it is in its state (decline reason, rejection, staff's reason). */
    reason: z.string().max(2100).nullable(),
    /** A declined payment: why, as a code the screen says in its language (the reason has the terminal's words). */
    declineCode: DeclineCode.nullable(),
    deliveries: z.array(DeliveryEntry),
    actions: z.array(StaffPaymentAction),
    /** A payment request went to the terminal (it can be checked there). */
    sentToTerminal: z.boolean(),
    /** What the terminal itself said when the kiosk asked it again; null until it has been asked. */
    terminalCheck: z
      .object({
        outcome: z.enum(['captured', 'not-captured', 'not-found']),
        capturedOre: Ore,
        checkedAt: z.iso.datetime(),
      })
      .strict()
      .nullable(),
    /** A refund after registration, asked or made; null when none. */
    refund: RefundEntry.nullable(),
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
  'terminal-captured', // the terminal took money the journal does not count as taken
  'terminal-not-captured', // the journal counts money the terminal says it did not take
  'test-not-reversed', // a technician's terminal test took money that was not given back (or may have)
  'refund-in-doubt', // a refund was asked and no answer came: the money may be back
  'refund-not-reinstated', // money given back; the claims still stand as paid in FBS or the debtor system
]);
export type MismatchKind = z.infer<typeof MismatchKind>;

export const Mismatch = z
  .object({ paymentId: z.uuid(), kind: MismatchKind, amountOre: Ore, detail: z.string().max(2200) })
  .strict();
export type Mismatch = z.infer<typeof Mismatch>;

const CountAndOre = z.object({ count: z.number().int().min(0), ore: Ore }).strict();

export const DayTotals = z
  .object({
    /** Every payment approved this day, card or MobilePay (including those reversed later). */
    cardApproved: CountAndOre,
    /** Reversed at the terminal by staff. */
    voided: CountAndOre,
    /**
     * Money given back this day after registration (refunds of this or earlier days' payments),
     * as the provider confirmed it.
     */
    refunded: CountAndOre,
    /** All money taken this day (card terminal and MobilePay): approved minus reversed and refunded. */
    netCardOre: Ore,
    /**
     * The money taken, approved minus reversed, by how it was paid: the card terminal's own day
     * (what its reconciliation must show) and MobilePay's (what Vipps MobilePay settles).
     */
    byMethod: z.object({ card: CountAndOre, mobilepay: CountAndOre }).strict(),
    declined: CountAndOre,
    /** Money may have been taken; the terminal has not said. */
    inDoubt: CountAndOre,
    fbsRegisteredOre: Ore,
    oeirDeliveredOre: Ore,
    queuedOre: Ore,
    rejectedOre: Ore,
    /** Registered outside the kiosk, with a reason recorded by staff. */
    resolvedByStaffOre: Ore,
    /**
     * Refunded this day and the claims reopened by staff in FBS or the debtor system: the
     * registrations that no longer stand. netCard = registered + queued + rejected + resolved by
     * staff − reopened.
     */
    reopenedOre: Ore,
    /**
     * The terminal's own record, for the payments it has been asked about again (each once it
     * could no longer be in flight): what it captured, net of reversals, against what the journal
     * counts for the same payments. `unchecked`: sent to the terminal, not yet asked again.
     */
    terminal: z
      .object({
        checked: z.number().int().min(0),
        unchecked: z.number().int().min(0),
        capturedOre: Ore,
        journalOre: Ore,
      })
      .strict(),
  })
  .strict();
export type DayTotals = z.infer<typeof DayTotals>;

/** A technician's terminal test (a real payment, then its reversal): never a registration. */
export const TerminalTestEntry = z
  .object({
    id: z.uuid(),
    createdAt: z.iso.datetime(),
    actor: z.string().max(100),
    amountOre: Ore,
    state: z.enum(['started', 'approved', 'declined', 'reversed', 'reversal-failed', 'unknown']),
    transactionRef: z.string().max(200).nullable(),
    detail: z.string().max(2000).nullable(),
  })
  .strict();
export type TerminalTestEntry = z.infer<typeof TerminalTestEntry>;

/**
 * The terminal's day closed (Nets' reconciliation), by staff or `kiosk terminal reconcile`: its
 * printout beside the kiosk's own card total at that moment, for staff to compare.
 */
export const TerminalClosingEntry = z
  .object({
    id: z.uuid(),
    requestedAt: z.iso.datetime(),
    requestedBy: z.string().max(100),
    state: z.enum(['requested', 'running', 'done', 'failed', 'withdrawn']),
    closedAt: z.iso.datetime().nullable(),
    session: z.string().max(200).nullable(),
    lines: z.array(z.string().max(200)).max(500),
    kioskCard: z.object({ count: z.number().int().nonnegative(), ore: z.number().int() }).strict().nullable(),
    detail: z.string().max(2000).nullable(),
  })
  .strict();
export type TerminalClosingEntry = z.infer<typeof TerminalClosingEntry>;

export const DayReport = z
  .object({
    /** The library's local date, YYYY-MM-DD. */
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    timeZone: z.string().max(100),
    generatedAt: z.iso.datetime(),
    payments: z.array(PaymentEntry),
    /** The technician's terminal tests of the day; one left charged is a mismatch. */
    terminalTests: z.array(TerminalTestEntry),
    /** The terminal's day closed (Nets), with its printout and the kiosk's card total then. */
    terminalClosings: z.array(TerminalClosingEntry),
    /** Refunds asked this day (of this or earlier days' payments). */
    refunds: z.array(RefundEntry),
    totals: DayTotals,
    mismatches: z.array(Mismatch),
    /** netCard = FBS + ØiR + queued + rejected + resolved by staff − reopened, and nothing is in doubt or waiting on staff. */
    balanced: z.boolean(),
  })
  .strict();
export type DayReport = z.infer<typeof DayReport>;

/** The parts `kiosk doctor` and the technician screen check, in the order they are shown. */
export const DiagnosticPart = z.enum([
  'config',
  'database',
  'reconciliation',
  'disk',
  'fbs',
  'oeir',
  'certificate',
  'terminal',
  'mobilepay',
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

// ── the staff and technician screens' commands and answers ─────────────────────────────────

/**
 * Why the core refused a staff action, as a code the screen says in its own language
 * (desk.refusal.* in contract/texts/). `detail` is what a device or service said, shown as is.
 */
export const StaffRefusalCode = z.enum([
  'unknown-account',
  'choose-account',
  'pin-being-checked',
  'logged-out',
  'nothing-to-save',
  'enrolling-already',
  'enrol-timeout',
  'confirm-live-test',
  'borrower-session-open',
  'payment-in-progress',
  'test-running',
  'closing-not-needed',
  'closing-running',
  'certificate-unreadable',
  'certificate-expired',
  'reason-needed',
  'terminal-ref-needed',
  'already-paid-elsewhere',
  'void-no-answer',
  'void-refused',
  'refund-not-possible',
  'refund-no-answer',
  'refund-refused',
  'where-reopened',
  'no-refund-waiting',
  'registration-sending',
  'action-not-possible',
  'nothing-to-retry',
]);
export type StaffRefusalCode = z.infer<typeof StaffRefusalCode>;
export const StaffRefusal = z
  .object({
    code: StaffRefusalCode,
    detail: z.string().max(500).optional(),
  })
  .strict();
export type StaffRefusal = z.infer<typeof StaffRefusal>;

const PaymentId = z.uuid();
const Reason = z.string().trim().min(5).max(500);
const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional();

/**
 * Debtor-route claims the debtor system cannot confirm as open (ØiR unreachable) before charging:
 * `counter-only` (default) charges them only with staff at the counter, who can ask the borrower;
 * `refuse` never; `accept-and-queue` always (the payment waits in the outbox). See docs/architecture.md.
 */
export const UnconfirmedDebtorPolicy = z.enum(['counter-only', 'refuse', 'accept-and-queue']);
export type UnconfirmedDebtorPolicy = z.infer<typeof UnconfirmedDebtorPolicy>;

/** Settings a technician may change from the screen (the rest: `kiosk config` over SSH). */
export const ScreenSettingsChange = z
  .object({
    'ui.language': Language,
    'ui.idleTimeoutMs': z.number().int().min(10_000).max(600_000),
    'ui.pinRequired': z.boolean(),
    'oeir.offlinePolicy': UnconfirmedDebtorPolicy,
    'library.receiptText': z.string().max(300),
  })
  .partial()
  .strict();
export type ScreenSettingsChange = z.infer<typeof ScreenSettingsChange>;

export const StaffRole = z.enum(['staff', 'technician']);

const AccountId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/u);
/** A staff PIN, only ever in a request that sets one (never in an answer, a log or the audit). */
const NewStaffPin = z.string().regex(/^\d{6,12}$/u);

/** One request from a staff or technician screen; the core checks the session's role for each. */
export const StaffRequest = z.discriminatedUnion('op', [
  z.object({ op: z.literal('day'), date: LocalDate }).strict(),
  z.object({ op: z.literal('retry'), paymentId: PaymentId }).strict(),
  z
    .object({
      op: z.literal('resolve'),
      paymentId: PaymentId,
      resolution: z.discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('charged'),
            terminalTransactionRef: z.string().trim().min(1).max(200),
            reason: Reason,
          })
          .strict(),
        z.object({ kind: z.literal('not-charged'), reason: Reason }).strict(),
        z.object({ kind: z.literal('registered'), reason: Reason }).strict(),
      ]),
    })
    .strict(),
  z.object({ op: z.literal('void'), paymentId: PaymentId, reason: Reason }).strict(),
  z.object({ op: z.literal('refund'), paymentId: PaymentId, reason: Reason }).strict(),
  z.object({ op: z.literal('confirm-reinstated'), paymentId: PaymentId, reason: Reason }).strict(),
  z.object({ op: z.literal('reprint'), paymentId: PaymentId }).strict(),
  z.object({ op: z.literal('print-day'), date: LocalDate }).strict(),
  /** The day as CSV for the finance department (the same file `kiosk report --csv` writes). */
  z.object({ op: z.literal('day-csv'), date: LocalDate }).strict(),
  /** Counter checkout: the borrower's card or CPR, looked up without their PIN. */
  z
    .object({
      op: z.literal('counter'),
      cardOrCpr: z
        .string()
        .trim()
        .regex(/^[0-9A-Za-z-]{6,20}$/),
    })
    .strict(),
  z.object({ op: z.literal('diagnose') }).strict(),
  z.object({ op: z.literal('devices') }).strict(),
  /** A real payment on the terminal; over 10 kr. needs `confirmed` (a live amount on a real card). */
  z
    .object({
      op: z.literal('terminal-test'),
      amountOre: z.number().int().min(100).max(100_00),
      confirmed: z.boolean(),
    })
    .strict(),
  /** Closes the card terminal's day (Nets); the kiosk's own card totals beside it. */
  z.object({ op: z.literal('terminal-reconcile') }).strict(),
  z.object({ op: z.literal('printer-test') }).strict(),
  /** The technician restarts the kiosk: the core stops and starts its parts (Electron relaunches). */
  z.object({ op: z.literal('restart') }).strict(),
  z
    .object({
      op: z.literal('fbs-lookup'),
      card: z
        .string()
        .trim()
        .regex(/^[0-9A-Za-z-]{6,20}$/),
    })
    .strict(),
  z
    .object({
      op: z.literal('certificate-upload'),
      /** The PKCS#12 file, base64. */
      p12: z.base64().max(40_000),
      password: z.string().max(200),
    })
    .strict(),
  z.object({ op: z.literal('settings') }).strict(),
  z.object({ op: z.literal('settings-save'), values: ScreenSettingsChange }).strict(),
  // Accounts (technicians): the same rules as `kiosk accounts`, in core/staff-access.ts.
  z.object({ op: z.literal('accounts') }).strict(),
  z
    .object({
      op: z.literal('account-add'),
      id: AccountId,
      name: z.string().trim().min(1).max(100),
      role: StaffRole,
      pin: NewStaffPin,
    })
    .strict(),
  z.object({ op: z.literal('account-pin'), id: AccountId, pin: NewStaffPin }).strict(),
  z.object({ op: z.literal('account-disable'), id: AccountId, disabled: z.boolean() }).strict(),
  /** Enrol: the next code scanned on this kiosk is the account's staff card. Or forget its card. */
  z.object({ op: z.literal('account-card'), id: AccountId, action: z.enum(['enrol', 'remove']) }).strict(),
]);
export type StaffRequest = z.infer<typeof StaffRequest>;

export const TechnicianSettings = z
  .object({
    language: Language,
    idleTimeoutMs: z.number().int(),
    pinRequired: z.boolean(),
    offlinePolicy: UnconfirmedDebtorPolicy,
    receiptText: z.string().max(300),
    /** Secrets are never sent to a screen: only whether they are set. */
    secrets: z.record(z.string(), z.enum(['set', 'not set'])),
    certificate: z
      .object({ subject: z.string().max(500), notAfter: z.iso.datetime() })
      .strict()
      .nullable(),
  })
  .strict();
export type TechnicianSettings = z.infer<typeof TechnicianSettings>;

const Line = z.string().max(1000);

export const StaffResult = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('day'), report: DayReport }).strict(),
  z.object({ kind: z.literal('payment'), payment: PaymentEntry }).strict(),
  z.object({ kind: z.literal('printed'), printed: z.boolean(), detail: Line }).strict(),
  z.object({ kind: z.literal('counter') }).strict(),
  z.object({ kind: z.literal('csv'), filename: z.string().max(100), text: z.string().max(2_000_000) }).strict(),
  z.object({ kind: z.literal('diagnosis'), checks: z.array(DiagnosticCheck) }).strict(),
  z
    .object({
      kind: z.literal('devices'),
      serialPorts: z.array(Line),
      hid: z.array(Line),
      scanners: z.array(z.object({ id: Line, kind: Line, state: Line, detail: Line }).strict()),
      printer: z.object({ description: Line, state: Line, detail: Line }).strict(),
      problems: z.array(Line),
    })
    .strict(),
  z.object({ kind: z.literal('restarting') }).strict(),
  z
    .object({
      kind: z.literal('terminal-test'),
      outcome: z.enum(['approved', 'declined', 'unavailable']),
      detail: Line,
      /** Approved: whether the test was given back at once, and the terminal's reference. */
      reversed: z.boolean().optional(),
      reference: Line.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('terminal-reconciliation'),
      at: z.iso.datetime(),
      session: Line.nullable(),
      /** The terminal's printout (its totals are in it). */
      lines: z.array(Line).max(500),
      /** The kiosk's own card payments today, net of voids, to compare with the terminal's. */
      kioskCard: z.object({ count: z.number().int().nonnegative(), ore: z.number().int() }).strict(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('fbs-lookup'),
      found: z.boolean(),
      detail: Line,
      /** Found: the patron and their open claims; not found: whether FBS answered at all. */
      patronId: Line.optional(),
      openClaims: z.number().int().min(0).optional(),
      answered: z.boolean().optional(),
    })
    .strict(),
  z.object({ kind: z.literal('certificate'), subject: Line, notAfter: z.iso.datetime(), testCall: Line }).strict(),
  z.object({ kind: z.literal('settings'), settings: TechnicianSettings, restartNeeded: z.boolean() }).strict(),
  z
    .object({
      kind: z.literal('accounts'),
      accounts: z.array(
        z
          .object({
            id: z.string().max(40),
            name: z.string().max(100),
            role: StaffRole,
            disabled: z.boolean(),
            card: z.boolean(),
            lockedUntil: z.iso.datetime().nullable(),
          })
          .strict(),
      ),
    })
    .strict(),
]);
export type StaffResult = z.infer<typeof StaffResult>;

/** Whether staff mode is on, and who is logged in (pushed to the screen after every change). */
export const StaffState = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('off') }).strict(),
  z
    .object({
      mode: z.literal('login'),
      /** Accounts to choose from (hidden gesture), or the one whose staff card was scanned. */
      accounts: z.array(z.object({ id: z.string().max(40), name: z.string().max(100) }).strict()),
      chosen: z.string().max(40).nullable(),
      error: z.enum(['wrong-pin', 'locked-out']).nullable(),
      /** A PIN is being checked: the next one is taken when this answer is in (one check at a time). */
      checking: z.boolean(),
    })
    .strict(),
  z
    .object({
      mode: z.literal('signed-in'),
      name: z.string().max(100),
      role: StaffRole,
      capabilities: z.array(z.string().max(50)),
      idleLogoutMs: z.number().int().positive(),
    })
    .strict(),
]);
export type StaffState = z.infer<typeof StaffState>;
