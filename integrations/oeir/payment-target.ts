import { faultPoint } from '../../base/faults.js';
import { RegistrationPayload, type DeliveryResult, type TargetHandler } from '../../ports/outbox-target.js';
import { OeirError } from './errors.js';
import type { OeirLink } from './link.js';

/** Business faults that mean the claim was (partly) paid already (modelled codes, see the WSDL). */
const ALREADY_PAID: ReadonlySet<string> = new Set(['FordringLukket', 'BeloebOverstigerRestance']);

/**
 * Outbox target `oeir.indbetaling`: one ForetagIndbetaling per payment, with the payment's UUID
 * as the payment identifier, which the debtor system uses to recognise a repeat. A success keeps
 * the debtor system's receipt id and the remaining balance; a business refusal goes to staff;
 * every technical failure (HTTP 5xx, timeouts, connection errors, Serviceplatformen faults,
 * unreadable answers, the link being offline) is retried with backoff.
 */
export function oeirPaymentTarget(link: OeirLink, place?: string): TargetHandler {
  return async ({ payload }): Promise<DeliveryResult> => {
    const parsed = RegistrationPayload.safeParse(payload);
    if (!parsed.success || parsed.data.route !== 'debtor') {
      return { kind: 'permanent', error: 'outbox row for oeir.indbetaling has an invalid payload' };
    }
    const p = parsed.data;
    try {
      const receipt = await link.pay({
        paymentId: p.paymentId,
        amountOre: p.amountOre,
        paidAt: p.paidAt,
        terminalTransactionRef: p.terminalTransactionRef,
        ...(place ? { place } : {}),
        claims: p.claims.map((c) => ({ feeId: c.feeId, amountOre: c.amountOre })),
      });
      // The debtor system has registered it; the outbox has not yet written that down.
      faultPoint('oeir.after-registered');
      return { kind: 'delivered', result: receipt };
    } catch (error) {
      if (error instanceof OeirError && error.kind === 'business') {
        const code = error.details.code ?? null;
        const feeId = error.details.feeId ?? null;
        if (code !== null && ALREADY_PAID.has(code)) {
          // The card was charged here, and the debtor system already has (some of) this claim paid:
          // the borrower has paid twice. Staff must refund, not just look.
          return {
            kind: 'permanent',
            error:
              `possible double payment: the borrower was charged here, but the debtor system says claim ${feeId ?? '?'} ` +
              `is already paid (${error.message}); refund the borrower (void) or settle it with finance`,
            result: { code, feeId, flag: 'possible-double-payment' },
          };
        }
        return {
          kind: 'permanent',
          error: `the debtor system refused the payment: ${error.message}`,
          result: { code, feeId },
        };
      }
      if (error instanceof OeirError && error.kind === 'invalid-request') {
        // Sending the same message again gets the same refusal: staff see it, nothing is retried.
        return {
          kind: 'permanent',
          error: `Serviceplatformen refused the request as invalid (${error.message}); a technician must look`,
          result: { code: error.details.code ?? null, feeId: null },
        };
      }
      return { kind: 'transient', error: error instanceof Error ? error.message : String(error) };
    }
  };
}
