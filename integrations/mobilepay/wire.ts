import { z } from 'zod';

/**
 * Vipps MobilePay's ePayment API, what goes over the wire, shared by the client and the sandbox.
 * Source: Vipps MobilePay's OpenAPI description (vippsas/vipps-epayment-api `docs/epayment.v1.yml`
 * 1.4.1, copied into tests/fixtures/vipps/, which validates both directions) and its API guide:
 *
 * - `POST /accesstoken/get` with headers `client_id`, `client_secret`,
 *   `Ocp-Apim-Subscription-Key`, `Merchant-Serial-Number` → `{access_token, expires_in}` (seconds,
 *   as text; 1 h in test, 24 h in production).
 * - `POST /epayment/v1/payments` (`Idempotency-Key`) creates; `userFlow: "QR"` with `qrFormat`
 *   `TEXT/TARGETURL` returns the QR's content in `redirectUrl` (the kiosk draws the QR itself).
 * - `GET /epayment/v1/payments/{reference}` → state CREATED | AUTHORIZED | ABORTED | EXPIRED |
 *   TERMINATED and the `aggregate` of authorised, captured, cancelled and refunded amounts.
 * - `POST …/{reference}/capture | cancel | refund` (`Idempotency-Key`) with `modificationAmount`.
 *
 * Every call carries `Authorization: Bearer`, `Ocp-Apim-Subscription-Key`, `Merchant-Serial-Number`
 * and the `Vipps-System-*` headers. Amounts are øre (minor units) as integers.
 */

export const MOBILEPAY_HOSTS = {
  test: 'https://apitest.vipps.no',
  production: 'https://api.vipps.no',
} as const;

/**
 * How long a payment's QR is shown and the payment may be approved: ten minutes, as the issue's
 * brief states for Vipps MobilePay's one-time payment QR (the ePayment spec itself says only that
 * a custom `expiresAt` must be more than 10 minutes away). After it the kiosk cancels.
 */
export const QR_LIFETIME_MS = 10 * 60_000;

/** The reference pattern of the spec (`Reference`): the kiosk's payment id fits it. */
export const REFERENCE = /^[a-zA-Z0-9-]{8,50}$/u;

export const PAYMENT_STATES = ['CREATED', 'AUTHORIZED', 'ABORTED', 'EXPIRED', 'TERMINATED'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

const Amount = z.looseObject({ currency: z.string().max(3), value: z.number().int().min(0) });
export type Amount = z.infer<typeof Amount>;

export const AccessTokenAnswer = z.looseObject({
  access_token: z.string().min(1).max(20_000),
  // Sent as text ("3600"); read either way.
  expires_in: z.union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,9}$/u)
      .transform(Number),
  ]),
});

export const CreateAnswer = z.looseObject({
  reference: z.string().max(50),
  redirectUrl: z.string().max(4_000).optional(),
});

const Aggregate = z.looseObject({
  authorizedAmount: Amount,
  cancelledAmount: Amount,
  capturedAmount: Amount,
  refundedAmount: Amount,
});

export const PaymentAnswer = z.looseObject({
  reference: z.string().max(50),
  state: z.enum(PAYMENT_STATES),
  amount: Amount,
  aggregate: Aggregate,
  pspReference: z.string().max(200),
});
export type PaymentAnswer = z.infer<typeof PaymentAnswer>;

/** Capture, cancel and refund answer with the payment as it now is. */
export const ModificationAnswer = PaymentAnswer;

/** RFC 7807 problem, as the API sends it. */
export const Problem = z.looseObject({
  type: z.string().max(500).optional(),
  title: z.string().max(500).optional(),
  detail: z.string().max(2_000).optional(),
  status: z.number().int().optional(),
  traceId: z.string().max(200).optional(),
});

export interface CreatePaymentRequest {
  readonly amount: { readonly currency: 'DKK'; readonly value: number };
  readonly paymentMethod: { readonly type: 'WALLET' };
  readonly reference: string;
  readonly userFlow: 'QR';
  readonly qrFormat: { readonly format: 'TEXT/TARGETURL' };
  readonly customerInteraction: 'CUSTOMER_PRESENT';
  readonly paymentDescription: string;
}

export interface ModificationRequest {
  readonly modificationAmount: { readonly currency: 'DKK'; readonly value: number };
}
