import type { BorrowerBlock } from '../../contract/index.js';

/**
 * What can go wrong talking to FBS, in terms the UI can turn into a clear message:
 * - invalid-credentials: unknown card or wrong PIN;
 * - locked-out: too many wrong PINs, the card is temporarily locked;
 * - blocked: the borrower is blocked in FBS (see `blocks`);
 * - unavailable: FBS cannot be reached or answers with an error (network, timeout, 5xx,
 *   the kiosk's own FBS login refused): try again later or ask staff;
 * - bad-response: FBS answered something the kiosk cannot trust (malformed, wrong shape,
 *   an amount that would need rounding), or refused the request as malformed.
 * Messages never contain card numbers, CPR or PINs.
 */
export type FbsErrorCode = 'invalid-credentials' | 'locked-out' | 'blocked' | 'unavailable' | 'bad-response';

export class FbsError extends Error {
  override name = 'FbsError';
  constructor(
    readonly code: FbsErrorCode,
    message: string,
    readonly details: { readonly status?: number; readonly blocks?: readonly BorrowerBlock[] } = {},
  ) {
    super(message);
  }
}
