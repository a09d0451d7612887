import {
  BLOCKING_NOTES,
  IN_DOUBT_STATES,
  type Channel,
  type Claim,
  type ClaimNote,
  type PaymentLine,
  type UnconfirmedDebtorPolicy,
} from '../contract/index.js';
import type { FeeCharge, PaymentJournal } from '../db/journal.js';
import {
  DebtorSystemUnreachableError,
  type DebtorClaimShown,
  type DebtorClaimStanding,
} from '../integrations/oeir/precharge.js';
import type { StaleClaim } from './checkout.js';
import type { Logger } from '../base/log.js';

export interface ClaimStandingParts {
  readonly journal: Pick<PaymentJournal, 'chargesForFees'>;
  /** FBS's own view right before charging: paid, changed, moved or gone since shown. */
  readonly fbsChanges: (patronId: string, lines: readonly PaymentLine[]) => Promise<readonly StaleClaim[]>;
  /** The debtor system's view; throws DebtorSystemUnreachableError when it cannot be asked. */
  readonly debtorLookUp: (claims: readonly DebtorClaimShown[]) => Promise<DebtorClaimStanding[]>;
  readonly policy: UnconfirmedDebtorPolicy;
  /** A claim the debtor system confirmed open this recently still counts as confirmed. */
  readonly confirmationValidMs: number;
  /**
   * The municipality's cut-off date for the debtor integration (YYYY-MM-DD): only claims created
   * on or after it are known to live in the debtor system. Null: none configured.
   */
  readonly debtorCutOff?: string | null;
  /** The claims screen waits this long for the debtor system before calling it unreachable. */
  readonly lookUpTimeoutMs?: number;
  readonly now?: () => number;
  readonly log: Logger;
}

/** Confirmations kept in memory: enough for a day of borrowers, bounded. */
const MAX_CONFIRMATIONS = 2_000;

/**
 * Which of a borrower's claims may be charged here and now — decided by the kiosk's own journal
 * and the debtor system, because FBS alone cannot tell: it hears of a payment late (a
 * registration still waiting in the outbox; up to ~72 h for a payment in the debtor system).
 *
 * - A claim this kiosk holds a payment for (paid, registered or not yet; or in doubt) is never
 *   charged again: shown as paid, or as being checked.
 * - A debtor-route claim the debtor system says is paid, or open for another amount, or does not
 *   know, is not charged.
 * - A debtor-route claim the debtor system cannot confirm (unreachable) is charged only as the
 *   policy allows: `counter-only` (default) with staff at the counter, `refuse` never,
 *   `accept-and-queue` when the claim was created on or after the debtor integration's cut-off
 *   date — unless it was confirmed open within `confirmationValidMs`. Why the date: KOMBIT's
 *   webinar on the integration (seed 002, "Betalingsmuligheder efter idriftsættelse") says fees
 *   from the cut-off date on live in FBS and the debtor system and can only be paid there (FBS
 *   marks them not payable by the client); older ones live in FBS only. An older fee FBS marks not
 *   payable is therefore not payable for another reason, and unconfirmed it is never charged.
 *   Fees FBS cannot bill at all (an expected fee, id -1; no amount) never reach here (route
 *   `not-payable`, integrations/fbs/claims.ts).
 *
 * `notes` is asked when the claims are shown; `verifyBeforeCharge` right before the terminal is
 * asked for money. The journal checks once more in the transaction that records the intent.
 */
export class ClaimStanding {
  private readonly confirmedAt = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly parts: ClaimStandingParts) {
    this.now = parts.now ?? Date.now;
  }

  /** Notes for the claims screen: what cannot be chosen (or only with a warning), and why. */
  async notes(claims: readonly Claim[], channel: Channel): Promise<ClaimNote[]> {
    const payable = claims.filter((c) => c.route !== 'not-payable');
    const notes = new Map<string, ClaimNote>();
    for (const charge of this.parts.journal.chargesForFees(payable.map((c) => c.feeId))) {
      const claim = payable.find((c) => c.feeId === charge.feeId);
      if (claim && !notes.has(claim.id)) notes.set(claim.id, noteForCharge(claim.id, charge));
    }
    const debtor = payable.filter((c) => c.route === 'debtor' && !notes.has(c.id));
    for (const note of await this.debtorNotes(debtor, channel)) notes.set(note.claimId, note);
    return payable.flatMap((c) => notes.get(c.id) ?? []);
  }

  /**
   * Right before charging: every reason not to charge one of the chosen claims. Empty: go ahead.
   * FBS and the debtor system are asked at the same time.
   */
  async verifyBeforeCharge(request: {
    readonly patronId: string;
    readonly lines: readonly PaymentLine[];
    readonly channel: Channel;
  }): Promise<StaleClaim[]> {
    const { lines, channel } = request;
    const held = this.parts.journal.chargesForFees(lines.map((l) => l.feeId));
    const paidHere = lines
      .filter((l) => held.some((c) => c.feeId === l.feeId))
      .map((l): StaleClaim => ({ claimId: l.claimId, kind: 'paid-here' }));
    if (paidHere.length > 0) return paidHere;
    const [inFbs, inDebtorSystem] = await Promise.all([
      this.parts.fbsChanges(request.patronId, lines),
      this.debtorChanges(
        lines.filter((l) => l.route === 'debtor'),
        channel,
      ),
    ]);
    return [...inFbs, ...inDebtorSystem];
  }

  private async debtorNotes(claims: readonly Claim[], channel: Channel): Promise<ClaimNote[]> {
    if (claims.length === 0) return [];
    let standings: DebtorClaimStanding[];
    try {
      standings = await this.lookUp(
        claims.map((c) => ({ claimId: c.id, feeId: c.feeId, amountOre: c.amountOre })),
        this.parts.lookUpTimeoutMs ?? 5_000,
      );
    } catch (error) {
      if (!(error instanceof DebtorSystemUnreachableError)) {
        this.parts.log.error({ err: error }, 'the debtor system refused to look up claims: staff must check');
        return claims.map((c) => note(c.id, 'ask-staff'));
      }
      return claims
        .filter((c) => !this.recentlyConfirmed(c.feeId))
        .map((c) => note(c.id, this.allowsUnconfirmed(channel, c.createdOn) ? 'unconfirmed' : 'not-payable-now'));
    }
    return standings.flatMap((s): ClaimNote[] => {
      if (s.state === 'open') return [];
      return [note(s.claimId, s.state === 'paid' ? 'paid' : 'ask-staff')];
    });
  }

  private async debtorChanges(lines: readonly PaymentLine[], channel: Channel): Promise<StaleClaim[]> {
    if (lines.length === 0) return [];
    let standings: DebtorClaimStanding[];
    try {
      standings = await this.lookUp(lines, null);
    } catch (error) {
      if (!(error instanceof DebtorSystemUnreachableError)) {
        this.parts.log.error({ err: error }, 'the debtor system refused to look up claims before charging');
        return lines.map((l) => ({ claimId: l.claimId, kind: 'unknown-in-debtor-system' }));
      }
      const unconfirmed = lines.filter((l) => !this.recentlyConfirmed(l.feeId));
      const refused = unconfirmed.filter((l) => !this.allowsUnconfirmed(channel, l.createdOn));
      if (refused.length === 0) {
        this.parts.log.warn(
          { claims: lines.length, unconfirmed: unconfirmed.length, channel, policy: this.parts.policy },
          'the debtor system is unreachable before charging: charging as the policy allows; the payment will wait in the outbox',
        );
        return [];
      }
      return refused.map((l) => ({ claimId: l.claimId, kind: 'unconfirmed' }));
    }
    return standings.flatMap((s): StaleClaim[] => {
      if (s.state === 'open') return [];
      const kind = s.state === 'unknown' ? 'unknown-in-debtor-system' : s.state;
      return [{ claimId: s.claimId, kind }];
    });
  }

  /** Asks the debtor system; remembers which claims it confirmed open, and when. */
  private async lookUp(shown: readonly DebtorClaimShown[], timeoutMs: number | null): Promise<DebtorClaimStanding[]> {
    const asked = this.parts.debtorLookUp(shown);
    const standings = timeoutMs === null ? await asked : await withTimeout(asked, timeoutMs);
    const at = this.now();
    for (const s of standings) {
      this.confirmedAt.delete(s.feeId);
      if (s.state === 'open') this.confirmedAt.set(s.feeId, at);
    }
    while (this.confirmedAt.size > MAX_CONFIRMATIONS) this.confirmedAt.delete(this.confirmedAt.keys().next().value!);
    return standings;
  }

  private recentlyConfirmed(feeId: string): boolean {
    const at = this.confirmedAt.get(feeId);
    if (at === undefined) return false;
    const age = this.now() - at;
    return age >= 0 && age <= this.parts.confirmationValidMs;
  }

  private allowsUnconfirmed(channel: Channel, createdOn: string | undefined): boolean {
    const { policy, debtorCutOff } = this.parts;
    // At the counter, staff see the claim and decide with the borrower.
    if (channel === 'staff') return policy !== 'refuse';
    if (policy !== 'accept-and-queue' || !debtorCutOff) return false;
    // Only a claim known to be created on or after the cut-off date (a line without the date: no).
    return createdOn !== undefined && createdOn >= debtorCutOff;
  }
}

/** True when a note stops the claim from being chosen. */
export function blocks(note: ClaimNote): boolean {
  return BLOCKING_NOTES.has(note.kind);
}

function note(claimId: string, kind: ClaimNote['kind']): ClaimNote {
  return { claimId, kind, paidAt: null };
}

function noteForCharge(claimId: string, charge: FeeCharge): ClaimNote {
  // Charged (the terminal's reference is known): paid here. Otherwise the money may or may not
  // have been taken (in doubt, or with staff): not charged again until that is settled.
  const inDoubt = IN_DOUBT_STATES.includes(charge.state) || !charge.charged;
  return inDoubt ? note(claimId, 'being-checked') : { claimId, kind: 'paid', paidAt: charge.at };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DebtorSystemUnreachableError(`the debtor system did not answer within ${ms} ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
