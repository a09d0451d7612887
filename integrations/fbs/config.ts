import { z } from 'zod';

/** The FBS connection: the library system's external API. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const FbsConfig = z
  .object({
    baseUrl: z
      .union([z.literal(''), z.url({ protocol: /^https?$/ })])
      .default('')
      .describe(
        'FBS external API base URL, e.g. https://cicero-fbs.com/rest. Empty in demo mode: the built-in sandbox.',
      ),
    agencyId: z
      .string()
      .regex(/^DK-\d{6}$/, 'an ISIL such as DK-761500')
      .default('DK-761500')
      .describe("The library's ISIL."),
    username: z.string().default('').describe("The kiosk's own FBS client account."),
    password: z
      .string()
      .default('')
      .describe(
        "The FBS API user's password (set with `kiosk config set fbs.password`, stored encrypted; never logged).",
      ),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000).describe('How long one FBS request may take.'),
    pinLength: z
      .number()
      .int()
      .min(4)
      .max(8)
      .default(4)
      .describe("The borrowers' PIN length at this library: the keypad offers OK only for a complete PIN."),
    pinAttemptsBeforeLock: z
      .number()
      .int()
      .min(1)
      .max(20)
      .default(5)
      .describe(
        'Wrong PINs in a row before FBS locks a card (as the library has set it in FBS): after a wrong PIN the kiosk warns how many tries are left at most.',
      ),
    allowBlockedBorrowers: z
      .boolean()
      .default(false)
      .describe('Let blocked borrowers pay at the kiosk. Off: they are sent to staff.'),
  })
  .strict();
export type FbsConfig = z.infer<typeof FbsConfig>;
