import { sumOre, type PayableRoute, type Payment } from '../contract/index.js';
import type { OutboxSpec } from '../db/outbox.js';
import { TARGET_FOR_ROUTE, type RegistrationPayload } from '../ports/outbox-target.js';

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
