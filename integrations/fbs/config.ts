import { z } from 'zod';

/** The FBS connection: the library system's external API. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const FbsConfig = z
  .object({
    /** FBS external API base URL, e.g. https://cicero-fbs.com/rest. Empty in demo mode: the built-in sandbox. */
    baseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).default(''),
    /** The library's ISIL. */
    agencyId: z
      .string()
      .regex(/^DK-\d{6}$/, 'an ISIL such as DK-761500')
      .default('DK-761500'),
    /** The kiosk's own FBS client account. */
    username: z.string().default(''),
    password: z.string().default(''),
    timeoutMs: z.number().int().min(500).max(120_000).default(10_000),
    /** Let blocked borrowers pay at the kiosk. Off: they are sent to staff. */
    allowBlockedBorrowers: z.boolean().default(false),
  })
  .strict();
export type FbsConfig = z.infer<typeof FbsConfig>;
