import { z } from 'zod';
import { FeeId, PayableRoute, PositiveOre } from '../contract/index.js';

/**
 * The port between the core's outbox and the systems a payment is registered in: the target
 * names, the payload a row carries, and the handler each integration registers for its target.
 * The core plans rows by route and the integrations deliver them; neither imports the other.
 */

export const FBS_PAYMENT_TARGET = 'fbs.payment';
export const OEIR_PAYMENT_TARGET = 'oeir.indbetaling';

/** Outbox target per route: FBS registers FBS-route claims, ØiR the debtor-route ones. */
export const TARGET_FOR_ROUTE: Readonly<Record<PayableRoute, string>> = {
  fbs: FBS_PAYMENT_TARGET,
  debtor: OEIR_PAYMENT_TARGET,
};

/**
 * The domain payload an outbox row carries. Each integration turns it into its wire format when
 * it sends, so a row written today can be delivered by a newer adapter tomorrow. Handlers parse
 * it with this schema: a row damaged on disk is refused, never half-sent.
 */
export const RegistrationPayload = z
  .object({
    paymentId: z.uuid(),
    patronId: z.string().min(1),
    route: PayableRoute,
    amountOre: PositiveOre,
    currency: z.literal('DKK'),
    terminalTransactionRef: z.string(),
    paidAt: z.iso.datetime(),
    claims: z.array(z.object({ claimId: z.string(), feeId: FeeId, amountOre: PositiveOre }).strict()).min(1),
  })
  .strict();
export type RegistrationPayload = z.infer<typeof RegistrationPayload>;

/**
 * What a target handler reports for one attempt:
 * - delivered: the other system has it (or already had it under this idempotency key);
 * - transient: try again later (network, timeout, 5xx) — nothing is lost;
 * - permanent: the other system refused it for a business reason — staff must act.
 */
export type DeliveryResult =
  | { readonly kind: 'delivered'; readonly result?: unknown }
  | { readonly kind: 'transient'; readonly error: string }
  | { readonly kind: 'permanent'; readonly error: string; readonly result?: unknown };

export interface DeliveryAttempt {
  readonly target: string;
  readonly idempotencyKey: string;
  readonly payload: unknown;
  readonly attempt: number;
  /** Aborted when the call's time is up. */
  readonly signal: AbortSignal;
}

/** Registered by an integration for its target name. Must treat the key as idempotent. */
export type TargetHandler = (attempt: DeliveryAttempt) => Promise<DeliveryResult>;
