import type { FbsClient } from '../integrations/fbs/client.js';
import { checkClaimsFresh } from '../integrations/fbs/freshness.js';
import type { OeirSetup } from '../integrations/oeir/setup.js';
import type { ClaimStandingParts } from './claim-standing.js';
import type { KioskConfig } from '../config/config.js';

/** The kiosk's claim checks wired to FBS and the debtor system (the kiosk and the test cores share it). */
export function claimSourcesFor(
  fbs: FbsClient,
  oeir: Pick<OeirSetup, 'lookUp'>,
  config: Pick<KioskConfig['oeir'], 'offlinePolicy' | 'confirmationValidMinutes' | 'cutOffDate'>,
): Omit<ClaimStandingParts, 'journal' | 'log' | 'now'> {
  return {
    fbsChanges: (patronId, lines) =>
      checkClaimsFresh(
        fbs,
        patronId,
        lines.map((l) => ({ id: l.claimId, feeId: l.feeId, amountOre: l.amountOre, route: l.route })),
      ),
    debtorLookUp: (claims) => oeir.lookUp(claims),
    policy: config.offlinePolicy,
    confirmationValidMs: config.confirmationValidMinutes * 60_000,
    debtorCutOff: config.cutOffDate || null,
  };
}
