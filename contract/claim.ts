import { z } from 'zod';
import { Ore } from './money.js';

/**
 * Where a claim is paid and registered:
 * - `fbs`: an older claim that lives only in FBS; registered with FBS payment/v2.
 * - `debtor`: a claim after the municipality's cut-off date; registered in the debtor
 *   system with ØiR DebitorIndbetaling.
 * - `not-payable`: shown for information (e.g. an expected fee, feeId -1), never charged.
 */
export const ClaimRoute = z.enum(['fbs', 'debtor', 'not-payable']);
export type ClaimRoute = z.infer<typeof ClaimRoute>;

/** A route on which money can actually be taken. */
export const PayableRoute = z.enum(['fbs', 'debtor']);
export type PayableRoute = z.infer<typeof PayableRoute>;

/** FBS fee ids are int64: kept as a decimal string so no id ever loses digits. */
export const FeeId = z.string().regex(/^-?\d{1,19}$/, 'fee id must be an integer in decimal');
export type FeeId = z.infer<typeof FeeId>;

/**
 * A material a claim covers, as FBS describes it. FBS gives no title: the title is looked up by
 * the FAUST record id in the national catalogue (not done yet), so screens show the group and
 * the item number meanwhile.
 */
export const Material = z
  .object({
    /** FAUST number of the bibliographic record. */
    recordId: z.string().max(100),
    /** Identifies the exact copy. */
    itemNumber: z.string().max(100),
    /** Material group name, e.g. "Bog". */
    materialGroup: z.string().max(200),
    /** Volume text for a periodical, else null. */
    periodical: z.string().max(300).nullable(),
  })
  .strict();
export type Material = z.infer<typeof Material>;

export const ClaimShape = z
  .object({
    /** Our stable id for the claim within a borrower's list: `fbs:<feeId>`. */
    id: z.string().min(1).max(100),
    feeId: FeeId,
    /** FBS fee type, e.g. `fee` (gebyr) or `compensation` (erstatning). */
    type: z.string().min(1).max(100),
    reason: z.string().max(1000),
    materials: z.array(Material).max(200),
    /** What is left to pay. 0 only on a not-payable claim. */
    amountOre: Ore.min(0),
    /** ISO date (YYYY-MM-DD) the claim was created. */
    createdOn: z.iso.date(),
    /** ISO date the claim is due, if FBS says. */
    dueOn: z.iso.date().nullable(),
    route: ClaimRoute,
    /**
     * FBS gave an amount that is not whole øre (e.g. 10.005): it is shown as not payable here,
     * staff are told, and the borrower's other claims can still be paid. `amountOre` is then 0.
     */
    amountUnreadable: z.literal(true).optional(),
  })
  .strict();

export const Claim = ClaimShape.refine((c) => c.route === 'not-payable' || c.amountOre > 0, {
  message: 'a payable claim must have an amount',
  path: ['amountOre'],
});
export type Claim = z.infer<typeof Claim>;

/**
 * Why a claim FBS lists as open is not (or not simply) payable here and now. The kiosk's own
 * journal and the debtor system decide this, not FBS alone: FBS hears of a payment late (a
 * registration waiting in the outbox, or up to ~72 h for a debtor-system payment).
 * - `paid`: paid at this kiosk (its registration may still be on its way), or the debtor system
 *   says it is paid; never charged again here.
 * - `being-checked`: a payment for it is in doubt or with staff; not charged until that is settled.
 * - `ask-staff`: the debtor system does not know it, or has another amount left to pay.
 * - `not-payable-now`: the debtor system cannot confirm it is still open (unreachable), and the
 *   kiosk's policy is not to charge it unconfirmed.
 * - `unconfirmed`: the same, but the policy lets it be charged (staff at the counter): a warning.
 */
export const ClaimNoteKind = z.enum(['paid', 'being-checked', 'ask-staff', 'not-payable-now', 'unconfirmed']);
export type ClaimNoteKind = z.infer<typeof ClaimNoteKind>;

/** Notes of these kinds make a claim impossible to select. */
export const BLOCKING_NOTES: ReadonlySet<ClaimNoteKind> = new Set([
  'paid',
  'being-checked',
  'ask-staff',
  'not-payable-now',
]);

export const ClaimNote = z
  .object({
    claimId: ClaimShape.shape.id,
    kind: ClaimNoteKind,
    /** Paid at this kiosk: when (ISO date-time); otherwise null. */
    paidAt: z.iso.datetime().nullable(),
  })
  .strict();
export type ClaimNote = z.infer<typeof ClaimNote>;

export function claimIdForFee(feeId: FeeId): string {
  return `fbs:${feeId}`;
}
