import { z } from 'zod';
import { Language } from './language.js';
import { Claim, ClaimShape } from './claim.js';
import { Payment, PaymentMethod } from './payment.js';
import { SessionView } from './session.js';
import { StaffRefusal, StaffRequest, StaffResult, StaffState } from './staff.js';

/**
 * Commands the renderer may send to the core, and events the core sends back. The renderer is
 * untrusted: the core parses every command with KioskCommand before acting on it.
 */
export const KioskCommand = z.discriminatedUnion('type', [
  /** The borrower chose to type the card number instead of scanning it. */
  z.object({ type: z.literal('session.typeCard') }).strict(),
  z.object({ type: z.literal('session.identify'), cardNumber: z.string().min(1).max(40) }).strict(),
  z.object({ type: z.literal('session.authenticate'), pin: z.string().regex(/^\d{4,8}$/) }).strict(),
  z.object({ type: z.literal('session.reset') }).strict(),
  /** A code the renderer's keyboard-wedge detector caught; it joins the other scanners' stream in the core. */
  z
    .object({
      type: z.literal('scanner.wedge'),
      // Printable characters only, as a scanner types them.
      code: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[\x20-\x7e\u00a0-\u00ff]+$/u),
    })
    .strict(),
  z
    .object({
      type: z.literal('checkout.select'),
      claimIds: z.array(ClaimShape.shape.id).max(200),
    })
    .strict(),
  z.object({ type: z.literal('checkout.pay'), method: PaymentMethod.optional() }).strict(),
  /** Demo mode only: the borrower's phone answers the MobilePay payment on screen (the sandbox plays it). */
  z.object({ type: z.literal('demo.phone'), answer: z.enum(['approve', 'reject']) }).strict(),
  z.object({ type: z.literal('checkout.cancel') }).strict(),
  /** After a declined payment: back to the claims, as chosen before. */
  z.object({ type: z.literal('checkout.retry') }).strict(),
  z.object({ type: z.literal('ui.setLanguage'), language: Language }).strict(),
  /** The hidden gesture: the staff log-in screen. */
  z.object({ type: z.literal('staff.begin') }).strict(),
  z.object({ type: z.literal('staff.choose'), accountId: z.string().min(1).max(40) }).strict(),
  z.object({ type: z.literal('staff.login'), pin: z.string().regex(/^\d{6,12}$/) }).strict(),
  z.object({ type: z.literal('staff.logout') }).strict(),
  /** A touch in staff mode: keeps the session from the idle log-out. */
  z.object({ type: z.literal('staff.activity') }).strict(),
  z
    .object({ type: z.literal('staff.request'), requestId: z.string().regex(/^[\w-]{1,40}$/), request: StaffRequest })
    .strict(),
]);
export type KioskCommand = z.infer<typeof KioskCommand>;

export const KioskEvent = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('core.ready'),
      version: z.string(),
      /** What the screen needs from the configuration. */
      settings: z
        .object({
          idleTimeoutMs: z.number().int().positive(),
          idleWarningMs: z.number().int().positive(),
          /** The library's time zone, for the receipt on screen. */
          timeZone: z.string().min(1).max(100),
          wedge: z
            .object({
              enabled: z.boolean(),
              maxInterKeyMs: z.number().int().positive(),
              minLength: z.number().int().positive(),
              suffixKey: z.enum(['Enter', 'Tab', 'none']),
            })
            .strict(),
          /** Demo: the MobilePay sandbox answers for the borrower's phone (buttons on the QR screen). */
          demoPhone: z.boolean(),
          /** The language each borrower starts in (a language chosen on the start screen returns to it). */
          defaultLanguage: Language,
          /** A short tone when a scan is read (and a low one when it was not). */
          scanSound: z.boolean(),
          /** How long the approved screen stays before it returns to the start by itself. */
          approvedReturnMs: z.number().int().positive(),
          /** The library's own look: its name, logo (a data: URL) and accent colour (checked for contrast at start). */
          brand: z
            .object({
              name: z.string().min(1).max(200),
              logo: z.string().max(400_000).nullable(),
              accent: z.string().regex(/^#[0-9a-fA-F]{6}$/u),
            })
            .strict(),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('session.claims'),
      borrowerName: z.string().nullable(),
      claims: z.array(Claim),
    })
    .strict(),
  z
    .object({
      type: z.literal('session.error'),
      code: z.enum(['invalid-credentials', 'locked-out', 'blocked', 'unavailable', 'bad-input']),
    })
    .strict(),
  z.object({ type: z.literal('payment.updated'), payment: Payment }).strict(),
  z.object({ type: z.literal('session.ended') }).strict(),
  /** The whole screen state, after every change. */
  z.object({ type: z.literal('session.view'), view: SessionView, language: Language }).strict(),
  z.object({ type: z.literal('staff.state'), state: StaffState }).strict(),
  z
    .object({
      type: z.literal('staff.result'),
      requestId: z.string().max(40),
      answer: z.discriminatedUnion('ok', [
        z.object({ ok: z.literal(true), result: StaffResult }).strict(),
        z
          .object({
            ok: z.literal(false),
            /** For the log and for people who read English; the screen shows `refusal` in its language. */
            error: z.string().max(1000),
            refusal: StaffRefusal.optional(),
          })
          .strict(),
      ]),
    })
    .strict(),
  /** Technician's live scan test: what a scanner just read (CPR masked). */
  z
    .object({
      type: z.literal('staff.scanned'),
      source: z.string().max(100),
      kind: z.string().max(40),
      code: z.string().max(100),
    })
    .strict(),
  /** A command the core refused (invalid payload, or not possible now); nothing changed. */
  z.object({ type: z.literal('command.rejected'), reason: z.string().max(500) }).strict(),
]);
export type KioskEvent = z.infer<typeof KioskEvent>;
