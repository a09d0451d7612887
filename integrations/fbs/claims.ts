import { claimIdForFee, Claim, type ClaimRoute } from '../../contract/index.js';
import { FbsError } from './errors.js';
import type { FeeV2 } from './models.js';

/**
 * FBS's marker for an expected fee (not yet a real claim; its own endpoint, expected-fees/v1,
 * gives them): never payable, also should one ever appear among the fees.
 */
export const EXPECTED_FEE_ID = '-1';

export function routeOf(fee: FeeV2): ClaimRoute {
  if (fee.feeId === EXPECTED_FEE_ID || fee.amount === null || fee.amount === 0) return 'not-payable';
  return fee.payableByClient ? 'fbs' : 'debtor';
}

const DATE_PREFIX = /^(\d{4}-\d{2}-\d{2})/;

function dateOf(text: string | null | undefined, feeId: string, field: string): string | null {
  if (text === null || text === undefined || text === '') return null;
  const match = DATE_PREFIX.exec(text);
  if (!match) throw new FbsError('bad-response', `fee ${feeId}: ${field} "${text.slice(0, 40)}" is not a date`);
  return match[1]!;
}

/**
 * FeeV2 → Claim. The amount is already exact øre (wire.ts). A negative amount is refused: the
 * whole list is then unusable, because showing part of what a borrower owes as if it were all
 * of it would mislead them; staff must look.
 */
export function feeToClaim(fee: FeeV2, expectedIndex = 0): Claim {
  if (fee.amount !== null && fee.amount < 0)
    throw new FbsError('bad-response', `fee ${fee.feeId} has a negative amount`);
  const createdOn = dateOf(fee.creationDate, fee.feeId, 'creationDate');
  if (createdOn === null) throw new FbsError('bad-response', `fee ${fee.feeId} has no creationDate`);
  const claim = {
    // Every expected fee has feeId -1; they are told apart by position.
    id: fee.feeId === EXPECTED_FEE_ID ? `${claimIdForFee(fee.feeId)}#${expectedIndex}` : claimIdForFee(fee.feeId),
    feeId: fee.feeId,
    type: fee.type,
    reason: fee.reasonMessage,
    materials: fee.materials.map((m) => ({
      recordId: m.recordId,
      itemNumber: m.materialItemNumber,
      materialGroup: m.materialGroup.description || m.materialGroup.name,
      periodical: m.periodical?.displayText ?? null,
    })),
    amountOre: fee.amount ?? 0,
    ...(fee.amount === null ? { amountUnreadable: true as const } : {}),
    createdOn,
    dueOn: dateOf(fee.dueDate, fee.feeId, 'dueDate'),
    route: routeOf(fee),
  };
  const parsed = Claim.safeParse(claim);
  if (!parsed.success) {
    throw new FbsError(
      'bad-response',
      `fee ${fee.feeId} cannot be shown: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Open claims in a stable order: payable first, oldest first. */
export function feesToClaims(fees: readonly FeeV2[]): Claim[] {
  const order: Record<ClaimRoute, number> = { fbs: 0, debtor: 0, 'not-payable': 1 };
  let expected = 0;
  return fees
    .filter((fee) => !fee.paidDate)
    .map((fee) => feeToClaim(fee, fee.feeId === EXPECTED_FEE_ID ? expected++ : 0))
    .sort(
      (a, b) =>
        order[a.route] - order[b.route] || a.createdOn.localeCompare(b.createdOn) || a.feeId.localeCompare(b.feeId),
    );
}
