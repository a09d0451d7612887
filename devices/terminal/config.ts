import { z } from 'zod';

/** The card terminal. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const TerminalConfig = z
  .object({
    /** `simulator`: the built-in terminal simulator (demo); `nexo`: a real terminal; `none`: no card payment. */
    driver: z.enum(['simulator', 'nexo', 'none']).default('simulator'),
    /** The terminal's Terminal API address, e.g. https://192.168.1.40:8443/nexo. */
    url: z.union([z.literal(''), z.url({ protocol: /^https?$/ })]).default(''),
    /** The terminal's POIID, "[model]-[serial]". */
    poiId: z.string().max(100).default(''),
    /** This kiosk's SaleID towards the terminal. */
    saleId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,40}$/)
      .default('KIOSK1'),
    /** The terminal's shared key. An empty passphrase: the unencrypted lab variant (refused in production). */
    keyIdentifier: z.string().max(100).default(''),
    keyVersion: z.number().int().min(0).default(1),
    passphrase: z.string().max(200).default(''),
    /** CA (PEM file) that signed the terminal's certificate. */
    caPath: z.string().default(''),
    /** The terminal's own payment timeout, and ours, which must be longer. */
    terminalTimeoutMs: z.number().int().min(500).max(600_000).default(120_000),
    clientTimeoutMs: z.number().int().min(1_000).max(900_000).default(135_000),
    /** Status, abort, login and reversal requests. */
    requestTimeoutMs: z.number().int().min(200).max(60_000).default(10_000),
    /**
     * The longest a payment request may take to reach the terminal (a stalled link, or a request
     * left in a killed kiosk's socket). Until this plus terminalTimeoutMs has passed since it
     * was sent, the terminal's "not found" proves nothing and the payment stays in doubt.
     */
    maxRequestTransitMs: z.number().int().min(0).max(600_000).default(30_000),
    /** How often the day's payments are checked against the terminal's own record. */
    auditIntervalMs: z.number().int().min(1_000).max(86_400_000).default(300_000),
    /** Recovery of a lost answer: how often to ask, and when to hand the payment to staff. */
    statusPollMs: z.number().int().min(20).max(60_000).default(2_000),
    resolveGiveUpMs: z.number().int().min(100).max(3_600_000).default(180_000),
    /** Demo only: how long the simulated borrower takes per step at the simulator (card, PIN…). */
    simulatorStepMs: z.number().int().min(0).max(10_000).default(700),
    /** How often to check that the terminal is there and logged in. */
    healthIntervalMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Where the terminal posts display notifications (its event URL points here). */
    notifications: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((t) => t.clientTimeoutMs >= t.terminalTimeoutMs + 5_000, {
    message:
      'clientTimeoutMs must be at least 5 s longer than terminalTimeoutMs: the kiosk must never give up before the terminal',
    path: ['clientTimeoutMs'],
  });
export type TerminalConfig = z.infer<typeof TerminalConfig>;
