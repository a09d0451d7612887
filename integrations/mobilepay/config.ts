import { z } from 'zod';

/**
 * MobilePay (Vipps MobilePay's ePayment API, integrations/mobilepay/). Its part of the kiosk's
 * configuration (config/config.ts). Off by default; on in the demo with the built-in sandbox.
 */
export const MobilePayConfig = z
  .object({
    enabled: z
      .boolean()
      .optional()
      .describe(
        'Offer MobilePay next to the card terminal. Unset: on in demo mode (with the sandbox), off in production.',
      ),
    environment: z
      .enum(['sandbox', 'test', 'production'])
      .default('sandbox')
      .describe(
        "`sandbox` starts the built-in ePayment sandbox (demo); `test` (apitest.vipps.no) and `production` (api.vipps.no) are Vipps MobilePay's.",
      ),
    baseUrl: z
      .union([z.literal(''), z.url({ protocol: /^https$/ })])
      .default('')
      .describe("Overrides the environment's address."),
    clientId: z
      .string()
      .max(200)
      .default('')
      .describe('The sales unit\'s `client_id` (Vipps MobilePay portal, "Developer").'),
    clientSecret: z
      .string()
      .default('')
      .describe(
        'The `client_secret` (set with `kiosk config set mobilepay.clientSecret`, stored encrypted; never logged).',
      ),
    subscriptionKey: z
      .string()
      .default('')
      .describe(
        'The `Ocp-Apim-Subscription-Key` (set with `kiosk config set mobilepay.subscriptionKey`, stored encrypted; never logged).',
      ),
    merchantSerialNumber: z
      .union([z.literal(''), z.string().regex(/^\d{4,6}$/, 'a merchant serial number has 4 to 6 digits')])
      .default('')
      .describe("The sales unit's merchant serial number (MSN)."),
    systemName: z
      .string()
      .max(30)
      .default('library-payment-kiosk')
      .describe('`Vipps-System-Name`: who is calling (Vipps MobilePay asks every integration to say).'),
    paymentDescription: z
      .string()
      .min(3)
      .max(100)
      .default('Gebyrer til biblioteket')
      .describe('What the borrower sees in the MobilePay app.'),
    pollIntervalMs: z
      .number()
      .int()
      .min(100)
      .max(10_000)
      .default(2_000)
      .describe('How often the kiosk asks whether the borrower has approved (the first look after 5 s).'),
    requestTimeoutMs: z.number().int().min(500).max(60_000).default(10_000).describe('How long one call may take.'),
  })
  .strict();
export type MobilePayConfig = z.infer<typeof MobilePayConfig>;

/** Whether MobilePay is offered: as configured, or, unset, in demo mode only. */
export function mobilePayEnabled(config: { mode: 'demo' | 'production'; mobilepay: MobilePayConfig }): boolean {
  return config.mobilepay.enabled ?? config.mode === 'demo';
}
