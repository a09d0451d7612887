import { z } from 'zod';
import { Claim, ClaimNote } from './claim.js';
import { Ore } from './money.js';
import { PaymentMethod } from './payment.js';
import { Receipt } from './receipt.js';

/**
 * What the borrower's screen shows, decided by the core's session machine (core/session.ts) and
 * pushed to the renderer whole. The renderer draws it and sends commands; it never decides a
 * money matter itself.
 */
/** What the terminal is showing the borrower, as a step the UI can show in its own words. */
export const TERMINAL_STEPS = [
  'present-card',
  'card-read',
  'choose-application',
  'enter-pin',
  'pin-entered',
  'card-removed',
  'finished',
] as const;
export type TerminalStep = (typeof TERMINAL_STEPS)[number];

/** On screen, plus the moment before the terminal has said anything. */
export const TerminalStepView = z.enum(['starting', ...TERMINAL_STEPS]);
export type TerminalStepView = z.infer<typeof TerminalStepView>;

export const ErrorCode = z.enum([
  'invalid-credentials', // wrong PIN (the borrower may try again)
  'unknown-card', // FBS knows no borrower with this card number or CPR
  'locked-out', // too many wrong PINs at FBS
  'blocked', // the borrower is blocked in FBS
  'fbs-unavailable', // the library system cannot be reached
  'card-payment-unavailable', // the terminal is out of service
  'mobilepay-unavailable', // MobilePay cannot be reached or refuses the kiosk
  'claims-changed', // a claim was paid or changed since it was shown
  'unsupported-code', // a book, a payment slip… was scanned
  'invalid-scan', // not readable as a code
  'busy', // a payment is still being resolved
  'storage-full', // the journal's disk is full: no payment can be written down
  'internal', // anything else: staff are told through the log
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const SessionView = z.discriminatedUnion('screen', [
  z.object({ screen: z.literal('attract') }).strict(),
  /** The borrower types the card number on the on-screen keypad (no scanner needed). */
  z.object({ screen: z.literal('type-card') }).strict(),
  z
    .object({
      screen: z.literal('pin'),
      /** How the borrower identified: the screen says "library card" or "health card". */
      identifiedBy: z.enum(['library-card', 'cpr']),
      /** Scanned, or typed on the keypad: the screen says which. */
      entered: z.enum(['scanned', 'typed']),
      /** Set after a wrong PIN. */
      wrongPin: z.boolean(),
      /**
       * After a wrong PIN: at most this many tries are left before FBS locks the card (FBS does not
       * say; the kiosk counts this card's wrong PINs against the library's lock limit). Null before.
       */
      attemptsLeft: z.number().int().min(0).max(20).nullable(),
      /** The library's PIN length: OK is offered only for a complete PIN. */
      pinLength: z.number().int().min(4).max(8),
    })
    .strict(),
  z.object({ screen: z.literal('loading') }).strict(),
  z
    .object({
      screen: z.literal('claims'),
      borrowerName: z.string().nullable(),
      claims: z.array(Claim),
      /** Claims that cannot be chosen (or only with a warning), and why. */
      notes: z.array(ClaimNote),
      selected: z.array(z.string()),
      totalOre: Ore,
      /** Set when the list was fetched again because something changed right before paying. */
      notice: z.enum(['claims-changed']).nullable(),
      /** The ways to pay on this kiosk: the card terminal, and MobilePay when it is offered. */
      methods: z.array(PaymentMethod).min(1),
    })
    .strict(),
  z.object({ screen: z.literal('nothing-to-pay'), borrowerName: z.string().nullable() }).strict(),
  z
    .object({
      screen: z.literal('paying'),
      amountOre: Ore,
      step: TerminalStepView,
      /** The terminal's own display text, when it sends one. */
      terminalText: z.string().max(500).nullable(),
      cancelling: z.boolean(),
      method: PaymentMethod,
      /** MobilePay: the QR to scan (SVG, drawn by the core) and when it stops being valid. */
      qr: z
        .object({ svg: z.string().max(300_000), expiresAt: z.iso.datetime() })
        .strict()
        .nullable(),
    })
    .strict(),
  z
    .object({
      screen: z.literal('approved'),
      receipt: Receipt,
      /** How it was paid (the receipt's card is null for MobilePay). */
      method: PaymentMethod,
      /** null while printing; false: the receipt is shown on screen instead. */
      printed: z.boolean().nullable(),
      /** Some registrations are waiting for the network: the payment is safe and will be forwarded. */
      queued: z.boolean(),
    })
    .strict(),
  z
    .object({
      screen: z.literal('declined'),
      reason: z.enum(['refused', 'cancelled', 'card-removed', 'wrong-pin', 'expired', 'not-completed']),
    })
    .strict(),
  z.object({ screen: z.literal('staff-notified') }).strict(),
  z.object({ screen: z.literal('error'), code: ErrorCode, messageKey: z.string().max(100).nullable() }).strict(),
]);
export type SessionView = z.infer<typeof SessionView>;
