import { OeirError } from './errors.js';
import type { OeirLink } from './link.js';
import { messageOf } from '../../base/errors.js';

/** A debtor-route claim as the kiosk showed it. */
export interface DebtorClaimShown {
  readonly claimId: string;
  readonly feeId: string;
  readonly amountOre: number;
}

/**
 * What the debtor system says of a debtor-route claim:
 * - open: still open, for exactly the amount shown;
 * - paid: closed (paid elsewhere: FBS hears of it up to ~72 h later);
 * - amount-changed: open, but with another amount left to pay (paid in part elsewhere);
 * - unknown: the debtor system does not know it.
 */
export interface DebtorClaimStanding {
  readonly claimId: string;
  readonly feeId: string;
  readonly state: 'open' | 'paid' | 'amount-changed' | 'unknown';
}

/** The debtor system could not be asked (offline, timeout, platform fault, unreadable answer). */
export class DebtorSystemUnreachableError extends Error {
  override name = 'DebtorSystemUnreachableError';
}

/**
 * SøgDelfordringTilIndbetaling for the claims: the check that counts for debtor-route claims,
 * since FBS hears of debtor-system payments days late. What to do when the debtor system cannot
 * be asked is the core's decision (core/claim-standing.ts), not this adapter's.
 */
export async function lookUpDebtorClaims(
  link: OeirLink,
  claims: readonly DebtorClaimShown[],
): Promise<DebtorClaimStanding[]> {
  if (claims.length === 0) return [];
  let statuses;
  try {
    statuses = new Map((await link.search(claims.map((c) => c.feeId))).map((s) => [s.feeId, s]));
  } catch (error) {
    if (error instanceof OeirError && error.kind === 'business') throw error;
    throw new DebtorSystemUnreachableError(`the debtor system cannot be asked: ${messageOf(error)}`, {
      cause: error,
    });
  }
  return claims.map((claim): DebtorClaimStanding => {
    const status = statuses.get(claim.feeId);
    const base = { claimId: claim.claimId, feeId: claim.feeId };
    if (!status || status.status === 'unknown') return { ...base, state: 'unknown' };
    if (status.status === 'closed') return { ...base, state: 'paid' };
    if (status.remainingOre !== claim.amountOre) return { ...base, state: 'amount-changed' };
    return { ...base, state: 'open' };
  });
}
