import type { PaymentLine } from '../../contract/index.js';
import type { StaleClaim } from '../../main/checkout.js';
import type { Logger } from '../../main/log.js';
import { OeirError } from './errors.js';
import type { OeirLink } from './link.js';

/** What to do with debtor-route claims when ØiR cannot be asked before charging. */
export type OfflinePolicy = 'accept-and-queue' | 'refuse';

/**
 * Before the terminal is asked for money: confirms with SøgDelfordringTilIndbetaling that each
 * debtor-route claim is still open in the debtor system, for the amount shown. FBS hears of
 * debtor-system payments days late, so this is the check that counts for these claims.
 * Offline: `accept-and-queue` lets the payment go ahead (it waits in the outbox);
 * `refuse` stops it, and nothing is charged.
 */
export async function checkDebtorClaims(
  link: OeirLink,
  lines: readonly PaymentLine[],
  policy: OfflinePolicy,
  log: Logger,
): Promise<StaleClaim[]> {
  const debtor = lines.filter((l) => l.route === 'debtor');
  if (debtor.length === 0) return [];
  let statuses;
  try {
    statuses = new Map((await link.search(debtor.map((l) => l.feeId))).map((s) => [s.feeId, s]));
  } catch (error) {
    if (error instanceof OeirError && error.kind === 'business') throw error;
    if (policy === 'refuse')
      throw new OeirError(
        'transport',
        `debtor-route claims cannot be confirmed, ØiR is unreachable: ${(error as Error).message}`,
      );
    log.warn(
      { error: (error as Error).message, claims: debtor.length },
      'ØiR unreachable before charging: accepting and queueing',
    );
    return [];
  }
  const stale: StaleClaim[] = [];
  for (const line of debtor) {
    const status = statuses.get(line.feeId);
    if (!status || status.status === 'unknown') stale.push({ claimId: line.claimId, kind: 'unknown-in-debtor-system' });
    else if (status.status === 'closed') stale.push({ claimId: line.claimId, kind: 'paid' });
    else if (status.remainingOre !== line.amountOre) stale.push({ claimId: line.claimId, kind: 'amount-changed' });
  }
  return stale;
}
