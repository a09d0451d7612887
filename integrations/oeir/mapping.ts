import { z } from 'zod';
import { kronerTextToOre, oreToKronerText } from '../../contract/index.js';
import { OeirError } from './errors.js';
import { messageOf } from '../../base/errors.js';

/**
 * The one module that knows the shape of the DebitorIndbetalingAfsend messages (MODELLED: see
 * integrations/oeir/wsdl/SOURCE.md). Everything else speaks the domain types below. When the
 * official WSDL arrives, point `oeir.wsdlPath` at it and change this file only.
 */

export const OPERATION = { pay: 'ForetagIndbetaling', search: 'SøgDelfordringTilIndbetaling' } as const;

/** Who calls: the municipality (AuthorityContext over mTLS) or a service agreement (InvocationContext). */
export type CallerContext =
  | { readonly kind: 'authority'; readonly municipalityCvr: string }
  | {
      readonly kind: 'invocation';
      readonly serviceAgreementUuid: string;
      readonly userSystemUuid: string;
      readonly userUuid: string;
      readonly serviceUuid: string;
    };

/** One card payment for debtor-route claims. */
export interface DebtorPayment {
  /** Our payment's UUID: the debtor system's duplicate key. */
  readonly paymentId: string;
  readonly amountOre: number;
  readonly paidAt: string;
  readonly terminalTransactionRef: string;
  /** Where it was paid, e.g. the kiosk's name. */
  readonly place?: string;
  /** FBS fee ids (the library system's claim references) with the amount paid on each. */
  readonly claims: readonly { readonly feeId: string; readonly amountOre: number }[];
}

export interface DebtorReceipt {
  readonly receiptId: string;
  /** What the debtor still owes on these sub-claims ("restance"). */
  readonly remainingOre: number;
  /** The payment identifier was already registered: same receipt, nothing new happened. */
  readonly alreadyRegistered: boolean;
}

export interface SubClaimStatus {
  readonly feeId: string;
  readonly status: 'open' | 'closed' | 'unknown';
  readonly remainingOre: number | null;
}

const SYSTEM_CODE = 'FBS';

// The schemas' UUIDType is lower-case hex only (InvocationContext_1.xsd,
// DebitorIndbetalingAfsend_1.xsd): a UUID typed in upper case is sent in lower case.
const uuid = (text: string): string => text.toLowerCase();

function context(ctx: CallerContext): Record<string, unknown> {
  return ctx.kind === 'authority'
    ? { AuthorityContext: { MunicipalityCVR: ctx.municipalityCvr } }
    : {
        InvocationContext: {
          ServiceAgreementUUID: uuid(ctx.serviceAgreementUuid),
          UserSystemUUID: uuid(ctx.userSystemUuid),
          UserUUID: uuid(ctx.userUuid),
          ServiceUUID: uuid(ctx.serviceUuid),
        },
      };
}

export function foretagIndbetalingArgs(ctx: CallerContext, payment: DebtorPayment): Record<string, unknown> {
  // BeloebType is minExclusive 0: a line of 0 kr. (or a payment of 0 kr.) is never sent; the
  // platform would refuse the whole payment. It cannot be registered as it is: staff must look.
  if (payment.amountOre <= 0 || payment.claims.some((c) => c.amountOre <= 0))
    throw new OeirError('business', 'a debtor payment with an amount of 0 kr. cannot be registered', {
      code: 'KIOSK-ZERO-AMOUNT',
    });
  return {
    ...context(ctx),
    Indbetaling: {
      IndbetalingIdentifikator: uuid(payment.paymentId),
      Beloeb: oreToKronerText(payment.amountOre),
      ValutaKode: 'DKK',
      IndbetalingDatoTid: payment.paidAt,
      BetalingMiddel: 'Betalingskort',
      TerminalTransaktionReference: payment.terminalTransactionRef,
      ...(payment.place ? { IndbetalingStedTekst: payment.place } : {}),
      DelfordringListe: {
        Delfordring: payment.claims.map((c) => ({
          FagsystemKode: SYSTEM_CODE,
          FagsystemFordringReference: c.feeId,
          Beloeb: oreToKronerText(c.amountOre),
        })),
      },
    },
  };
}

export function soegDelfordringArgs(ctx: CallerContext, feeIds: readonly string[]): Record<string, unknown> {
  return { ...context(ctx), FagsystemKode: SYSTEM_CODE, FagsystemFordringReference: [...feeIds] };
}

const Amount = z.string().transform((text, ctx) => {
  try {
    return kronerTextToOre(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: messageOf(error) });
    return z.NEVER;
  }
});
const Bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

const ForetagIndbetalingResponse = z.object({
  IndbetalingKvittering: z.object({
    IndbetalingIdentifikator: z.string(),
    KvitteringIdentifikator: z.string().min(1),
    AlleredeRegistreret: Bool,
    RestanceBeloeb: Amount,
  }),
});

export function receiptFrom(result: unknown, paymentId: string): DebtorReceipt {
  const parsed = ForetagIndbetalingResponse.safeParse(result);
  if (!parsed.success)
    throw new OeirError(
      'bad-response',
      `unexpected ForetagIndbetaling answer: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  const receipt = parsed.data.IndbetalingKvittering;
  if (receipt.IndbetalingIdentifikator.toLowerCase() !== uuid(paymentId))
    throw new OeirError('bad-response', 'the receipt is for another payment');
  return {
    receiptId: receipt.KvitteringIdentifikator,
    remainingOre: receipt.RestanceBeloeb,
    alreadyRegistered: receipt.AlleredeRegistreret,
  };
}

const SubClaim = z.object({
  FagsystemFordringReference: z.string(),
  Status: z.enum(['Aaben', 'Lukket', 'Ukendt']),
  RestanceBeloeb: Amount.optional(),
});
// The response element must be there: an empty SOAP body (no answer at all) is a bad response,
// never "no claims" — that would read as "the debtor system does not know them" and stop a charge
// for the wrong reason, or worse pass one. An element without Delfordring is an empty list.
const SoegResponse = z.object({ Delfordring: z.union([SubClaim, z.array(SubClaim)]).optional() });
const STATUS = { Aaben: 'open', Lukket: 'closed', Ukendt: 'unknown' } as const;

export function subClaimsFrom(result: unknown): SubClaimStatus[] {
  if (result === null || result === undefined || result === '')
    throw new OeirError('bad-response', 'SøgDelfordringTilIndbetaling answered with an empty body');
  const parsed = SoegResponse.safeParse(result);
  if (!parsed.success)
    throw new OeirError(
      'bad-response',
      `unexpected SøgDelfordringTilIndbetaling answer: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  const list = parsed.data.Delfordring;
  return (Array.isArray(list) ? list : list ? [list] : []).map((d) => ({
    feeId: d.FagsystemFordringReference,
    status: STATUS[d.Status],
    remainingOre: d.RestanceBeloeb ?? null,
  }));
}

/** A SOAP fault's detail → the kiosk's error. Business refusals and platform faults differ in what staff must do. */
export function errorFromFault(fault: { faultcode?: unknown; faultstring?: unknown; detail?: unknown }): OeirError {
  const business = findElement(fault.detail, 'IndbetalingFejl') as
    | { FejlKode?: string; FejlTekst?: string; FagsystemFordringReference?: string }
    | undefined;
  if (business?.FejlKode) {
    return new OeirError('business', `${business.FejlKode}: ${business.FejlTekst ?? ''}`.trim(), {
      code: business.FejlKode,
      ...(business.FagsystemFordringReference ? { feeId: business.FagsystemFordringReference } : {}),
    });
  }
  const platform = findElement(fault.detail, 'ServiceplatformFault') as { ErrorList?: { Error?: unknown } } | undefined;
  if (platform) {
    const raw = platform.ErrorList?.Error;
    const errors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { ErrorCode?: string; ErrorText?: string }[];
    const text = errors.map((e) => `${e.ErrorCode ?? '?'} ${e.ErrorText ?? ''}`.trim()).join('; ');
    // SOAP 1.1: a Client fault says the message itself is wrong; a Server fault, that the
    // platform could not process it now.
    const refusedMessage = /(^|:)Client$/u.test(String(fault.faultcode ?? ''));
    return new OeirError(
      refusedMessage ? 'invalid-request' : 'platform',
      `Serviceplatformen fault: ${text || 'no details'}`,
      errors[0]?.ErrorCode ? { code: errors[0].ErrorCode } : {},
    );
  }
  // Anything else, e.g. WS-Security's faults in the token model (`wsse:InvalidSecurityToken`,
  // `wsse:FailedCheck`, WSS 1.0 §12): the code is kept, so the caller can renew its token.
  const code = String(fault.faultcode ?? '');
  return new OeirError('platform', `SOAP fault ${code}: ${String(fault.faultstring ?? '')}`, code ? { code } : {});
}

/** Finds an element by local name in a parsed fault detail, whatever prefix it carried. */
function findElement(value: unknown, localName: string, depth = 0): unknown {
  if (!value || typeof value !== 'object' || depth > 4) return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key === localName || key.endsWith(`:${localName}`)) return child;
    const found = findElement(child, localName, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
