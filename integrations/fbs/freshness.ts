import type { Claim } from '../../contract/index.js';
import type { FbsClient } from './client.js';
import { routeOf } from './claims.js';

/**
 * What changed in FBS about a claim since the borrower saw it:
 * - paid: FBS now shows it paid (e.g. at the counter, or the debtor system reported it);
 * - amount-changed: the amount left to pay is different;
 * - route-changed: it moved between FBS and the debtor system, or became not payable;
 * - gone: FBS no longer lists it.
 */
export interface ClaimChange {
  readonly claimId: string;
  readonly feeId: string;
  readonly kind: 'paid' | 'amount-changed' | 'route-changed' | 'gone';
  readonly shownOre: number;
  readonly nowOre: number | null;
}

/**
 * Called right before the terminal is asked for money: re-reads the borrower's fees, paid ones
 * included, and reports every chosen claim that is no longer as shown. An empty list means the
 * charge may go ahead. FBS hears of debtor-route payments with a delay of up to ~72 hours, so a
 * debtor-route claim paid elsewhere may still look open here: the debtor system is the place
 * to check those.
 */
export async function checkClaimsFresh(
  client: FbsClient,
  patronId: string,
  chosen: readonly Pick<Claim, 'id' | 'feeId' | 'amountOre' | 'route'>[],
): Promise<ClaimChange[]> {
  const current = new Map((await client.fees(patronId, { includePaid: true })).map((fee) => [fee.feeId, fee]));
  const changes: ClaimChange[] = [];
  for (const claim of chosen) {
    const fee = current.get(claim.feeId);
    const base = { claimId: claim.id, feeId: claim.feeId, shownOre: claim.amountOre };
    if (!fee) changes.push({ ...base, kind: 'gone', nowOre: null });
    else if (fee.paidDate) changes.push({ ...base, kind: 'paid', nowOre: fee.amount });
    else if (fee.amount === null || fee.amount !== claim.amountOre)
      changes.push({ ...base, kind: 'amount-changed', nowOre: fee.amount });
    else if (routeOf(fee) !== claim.route) changes.push({ ...base, kind: 'route-changed', nowOre: fee.amount });
  }
  return changes;
}
