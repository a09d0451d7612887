import { z } from 'zod';

/** A block on the borrower in FBS. Codes are informational; unknown codes mean "other reason". */
export const BorrowerBlock = z
  .object({
    code: z.string().max(20),
    since: z.string().max(40),
    message: z.string().max(500),
  })
  .strict();
export type BorrowerBlock = z.infer<typeof BorrowerBlock>;

/** Who is paying, as much as the kiosk needs to know: no CPR, no card number, no address. */
export const Borrower = z
  .object({
    patronId: z.string().regex(/^\d{1,19}$/),
    name: z.string().max(200).nullable(),
    /** Under 18 by the birthday FBS holds; false when FBS has none. */
    isChild: z.boolean(),
    blocks: z.array(BorrowerBlock).max(20),
  })
  .strict();
export type Borrower = z.infer<typeof Borrower>;
