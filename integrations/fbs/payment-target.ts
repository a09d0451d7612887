import { faultPoint } from '../../base/faults.js';
import { RegistrationPayload, type DeliveryResult, type TargetHandler } from '../../ports/outbox-target.js';
import type { FbsClient } from './client.js';
import { FbsError } from './errors.js';

/**
 * Outbox target `fbs.payment`: registers an FBS-route payment with payment/v2, using the outbox
 * row's idempotency key as FBS's orderId, so a retry is answered "paymentRegistered" with the
 * same confirmation instead of registering twice.
 *
 * - every fee paymentRegistered → delivered;
 * - any fee paymentRegisteredByDifferentOrderId → rejected and flagged as a possible double
 *   payment (the fee was already paid another way: the borrower may be owed a refund);
 * - paymentNotAllowedByClient, or a status FBS may add later → rejected for staff;
 * - FBS unreachable, 5xx, timeouts, garbled answers → transient (the same orderId is safe to
 *   send again).
 */
export function fbsPaymentTarget(client: FbsClient): TargetHandler {
  return async ({ idempotencyKey, payload }): Promise<DeliveryResult> => {
    const parsed = RegistrationPayload.safeParse(payload);
    if (!parsed.success || parsed.data.route !== 'fbs') {
      return { kind: 'permanent', error: 'outbox row for fbs.payment has an invalid payload' };
    }
    const { patronId, claims } = parsed.data;
    let confirmations;
    try {
      confirmations = await client.registerPayment(
        patronId,
        idempotencyKey,
        claims.map((c) => c.feeId),
      );
    } catch (error) {
      return classifyFailure(error);
    }
    // FBS has answered for the fees; the outbox has not yet written that down.
    faultPoint('fbs.after-registered');

    const byFee = new Map(confirmations.map((c) => [c.feeId, c]));
    const outcome = claims.map((claim) => {
      const confirmation = byFee.get(claim.feeId);
      // FBS echoes the order id with each fee: a "registered" under another order than ours is
      // not our registration (the answer is for another request, or FBS mixed them up).
      const otherOrder = confirmation !== undefined && confirmation.orderId !== idempotencyKey;
      return {
        feeId: claim.feeId,
        paymentStatus:
          otherOrder && confirmation.paymentStatus === 'paymentRegistered'
            ? 'registeredUnderAnotherOrderId'
            : (confirmation?.paymentStatus ?? 'missingFromAnswer'),
        confirmationId: confirmation?.confirmationId ?? null,
      };
    });
    const result = { orderId: idempotencyKey, fees: outcome };
    if (outcome.every((o) => o.paymentStatus === 'paymentRegistered')) return { kind: 'delivered', result };

    const doubles = outcome.filter((o) => o.paymentStatus === 'paymentRegisteredByDifferentOrderId');
    if (doubles.length > 0) {
      return {
        kind: 'permanent',
        error:
          `possible double payment: the borrower was charged here, but FBS had already registered fee ` +
          `${doubles.map((d) => d.feeId).join(', ')} as paid with a different order; refund the borrower (void) or settle it with finance`,
        result: { ...result, flag: 'possible-double-payment' },
      };
    }
    const refused = outcome.filter((o) => o.paymentStatus !== 'paymentRegistered');
    return {
      kind: 'permanent',
      error: `FBS did not register fee ${refused.map((r) => `${r.feeId} (${r.paymentStatus})`).join(', ')}`,
      result,
    };
  };
}

function classifyFailure(error: unknown): DeliveryResult {
  const message = error instanceof Error ? error.message : String(error);
  // Unreachable or failing, or an answer we could not read (FBS may have registered it):
  // the same orderId is safe to send again.
  const retryable =
    error instanceof FbsError &&
    (error.code === 'unavailable' || (error.code === 'bad-response' && error.details.status === undefined));
  // Otherwise FBS refused the request itself (4xx): sending it again will not help.
  return retryable ? { kind: 'transient', error: message } : { kind: 'permanent', error: message };
}
