import { z } from 'zod';
import { FeeId, PayableRoute, PositiveOre, sumOre, type Payment } from '../contract/index.js';
import type { OutboxSpec } from '../db/outbox.js';

/** Outbox target per route: FBS registers FBS-route claims, ØiR the debtor-route ones. */
export const TARGET_FOR_ROUTE: Readonly<Record<PayableRoute, string>> = {
  fbs: 'fbs.payment',
  debtor: 'oeir.indbetaling',
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
 * One outbox row per route used by the payment. The idempotency key is derived from the payment
 * id and the target, so it is the same however often (or by whichever process) it is computed.
 */
export function planDeliveries(payment: Payment, terminalTransactionRef: string, paidAt: Date): OutboxSpec[] {
  const routes = [...new Set(payment.lines.map((l) => l.route))].sort();
  return routes.map((route) => {
    const lines = payment.lines.filter((l) => l.route === route);
    const target = TARGET_FOR_ROUTE[route];
    const payload: RegistrationPayload = {
      paymentId: payment.id,
      patronId: payment.patronId,
      route,
      amountOre: sumOre(lines.map((l) => l.amountOre)),
      currency: 'DKK',
      terminalTransactionRef,
      paidAt: paidAt.toISOString(),
      claims: lines.map((l) => ({ claimId: l.claimId, feeId: l.feeId, amountOre: l.amountOre })),
    };
    return { target, idempotencyKey: idempotencyKeyFor(payment.id, route), payload, paymentId: payment.id };
  });
}

export function idempotencyKeyFor(paymentId: string, route: PayableRoute): string {
  return `${paymentId}-${route}`;
}
