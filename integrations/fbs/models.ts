import { z } from 'zod';
import { WireInt64, WireKronerAsOre, WireNumber } from './wire.js';

/**
 * The parts of FBS's response models the kiosk reads (Swagger 1.2 specs, copies in
 * tests/fixtures/fbs-specs/). Unknown fields are ignored, as FBS asks of its clients; required
 * fields the kiosk relies on are required here too.
 */

export const ExternalApiUserInfo = z.object({ sessionKey: z.string().min(1) });

export const AuthenticateStatus = z.string(); // VALID | INVALID | LOANER_LOCKED_OUT; others are possible

/** authenticate/v9 and preauthenticated/v10. */
export const PatronAuthenticationResponse = z.object({
  authenticateStatus: AuthenticateStatus,
  // Required by the spec; tolerated missing when the status is not VALID.
  patronId: WireInt64.nullish(),
  patronType: z.string().nullish(),
});

export const BlockStatus = z.object({
  blockedReason: z.string(),
  blockedSince: z.string(),
  message: z.string(),
});

/** patrons/{id}/v4 → AuthenticatedPatronV8 with a PatronV7. */
export const AuthenticatedPatronV8 = z.object({
  authenticateStatus: AuthenticateStatus,
  patron: z
    .object({
      patronId: WireInt64,
      name: z.string().nullish(),
      birthday: z.string().nullish(),
      blockStatus: z.array(BlockStatus).nullish(),
    })
    .nullish(),
});

export const FeeMaterialV2 = z.object({
  recordId: z.string(),
  materialItemNumber: z.string(),
  materialGroup: z.object({ name: z.string(), description: z.string().nullish() }),
  periodical: z.object({ displayText: z.string() }).nullish(),
});

export const FeeV2 = z.object({
  feeId: WireInt64,
  type: z.string(),
  reasonMessage: z.string(),
  // null: an amount that is not whole øre. Only that fee is then not payable here (claims.ts);
  // refusing the list would stop the borrower paying anything.
  amount: z.union([WireKronerAsOre, WireNumber.transform(() => null)]),
  creationDate: z.string(),
  dueDate: z.string().nullish(),
  paidDate: z.string().nullish(),
  payableByClient: z.boolean(),
  materials: z.array(FeeMaterialV2),
});
export type FeeV2 = z.infer<typeof FeeV2>;
export const FeeList = z.array(FeeV2);

export const PaymentConfirmationV2 = z.object({
  orderId: z.string(),
  feeId: WireInt64,
  confirmationId: z.string().nullish(),
  paymentStatus: z.string(), // paymentRegistered | paymentRegisteredByDifferentOrderId | paymentNotAllowedByClient | others
});
export type PaymentConfirmationV2 = z.infer<typeof PaymentConfirmationV2>;
