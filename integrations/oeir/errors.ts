/**
 * What can go wrong with ØiR, by what the kiosk should do about it:
 * - business: the debtor system refused the payment (unknown or closed claim, amount too large):
 *   sending it again will not help; staff must look. `code` is the service's FejlKode.
 * - platform: Serviceplatformen reported a technical fault (ServiceplatformFault): try later.
 * - transport: no usable answer (timeout, connection refused or reset, TLS failure, HTTP 5xx):
 *   try later. The payment identifier makes a repeat safe.
 * - bad-response: an answer the kiosk will not trust (malformed XML, a DOCTYPE or entity
 *   declaration, a shape or amount it cannot read): try later, and staff see the error.
 * - certificate: the organisation certificate cannot be used (wrong password, unreadable,
 *   expired, not yet valid): a technician must act.
 * - invalid-request: Serviceplatformen refused our message itself (a SOAP Client fault: it does
 *   not validate against the service's schema): sending it again will not help; staff and a
 *   technician must look.
 */
export type OeirErrorKind = 'business' | 'platform' | 'transport' | 'bad-response' | 'certificate' | 'invalid-request';

export class OeirError extends Error {
  override name = 'OeirError';
  constructor(
    readonly kind: OeirErrorKind,
    message: string,
    readonly details: { readonly code?: string; readonly status?: number; readonly feeId?: string } = {},
  ) {
    super(message);
  }
}
