import { z } from 'zod';

/** The card terminal. Its part of the kiosk's configuration (config/config.ts); every key has a demo default. */
export const TerminalConfig = z
  .object({
    driver: z
      .enum(['simulator', 'nexo', 'nets-cloud', 'nets-cloud-simulator', 'none'])
      .default('simulator')
      .describe(
        '`simulator`: the built-in nexo terminal simulator (demo); `nexo`: an Adyen terminal (local Terminal API); `nets-cloud`: a Nets (Nexi) terminal through Connect@Cloud (`netsCloud`); `nets-cloud-simulator`: the built-in Connect@Cloud simulator (demo); `none`: no card payment.',
      ),
    url: z
      .union([z.literal(''), z.url({ protocol: /^https?$/ })])
      .default('')
      .describe("The terminal's Terminal API address, e.g. https://192.168.1.40:8443/nexo."),
    poiId: z.string().max(100).default('').describe('The terminal\'s POIID, "[model]-[serial]".'),
    saleId: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,40}$/)
      .default('KIOSK1')
      .describe("This kiosk's SaleID towards the terminal."),
    keyIdentifier: z
      .string()
      .max(100)
      .default('')
      .describe("The terminal's shared key. An empty passphrase: the unencrypted lab variant (refused in production)."),
    keyVersion: z.number().int().min(0).default(1).describe("The shared key's version."),
    passphrase: z
      .string()
      .max(200)
      .default('')
      .describe(
        "The shared key's passphrase (set with `kiosk config set terminal.passphrase`, stored encrypted; never logged). Empty: unencrypted, for lab terminals only.",
      ),
    caPath: z.string().default('').describe("CA (PEM file) that signed the terminal's certificate."),
    terminalTimeoutMs: z
      .number()
      .int()
      .min(500)
      .max(600_000)
      .default(120_000)
      .describe("The terminal's own payment timeout, and ours, which must be longer."),
    clientTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(900_000)
      .default(135_000)
      .describe("How long the kiosk waits for a payment's answer: at least 5 s longer than terminalTimeoutMs."),
    requestTimeoutMs: z
      .number()
      .int()
      .min(200)
      .max(60_000)
      .default(10_000)
      .describe('Status, abort, login and reversal requests.'),
    maxRequestTransitMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(30_000)
      .describe(
        'The longest a payment request may take to reach the terminal (a stalled link, or a request left in a killed kiosk\'s socket). Until this plus terminalTimeoutMs has passed since it was sent, the terminal\'s "not found" proves nothing and the payment stays in doubt.',
      ),
    auditIntervalMs: z
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(300_000)
      .describe("How often the day's payments are checked against the terminal's own record."),
    statusPollMs: z
      .number()
      .int()
      .min(20)
      .max(60_000)
      .default(2_000)
      .describe('Recovery of a lost answer: how often to ask, and when to hand the payment to staff.'),
    resolveGiveUpMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(180_000)
      .describe('A payment whose answer is still unknown after this goes to staff.'),
    simulatorStepMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(700)
      .describe('Demo only: how long the simulated borrower takes per step at the simulator (card, PIN…).'),
    healthIntervalMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(30_000)
      .describe('How often to check that the terminal is there and logged in.'),
    netsCloud: z
      .object({
        environment: z
          .enum(['test', 'production'])
          .default('test')
          .describe("Nets' Connect@Cloud environment: its test or its production host (separate accounts)."),
        baseUrl: z
          .union([z.literal(''), z.url({ protocol: /^https$/ })])
          .default('')
          .describe("Overrides the environment's host (https only)."),
        username: z.string().max(200).default('').describe('The Connect@Cloud user Nets created for the library.'),
        password: z
          .string()
          .max(200)
          .default('')
          .describe(
            'Its password (set with `kiosk config set terminal.netsCloud.password`, stored encrypted; never logged).',
          ),
        terminalId: z
          .string()
          .regex(/^[A-Za-z0-9-]{0,40}$/u)
          .default('')
          .describe('The terminal id Nets bound to the account (ordered "Connect@Cloud compatible").'),
        purchaseTimeoutMs: z
          .number()
          .int()
          .min(5_000)
          .max(900_000)
          .default(300_000)
          .describe('How long the held purchase call may take (integrators allow 300 s).'),
      })
      .strict()
      .prefault({})
      .describe('Nets Connect@Cloud, for `driver: nets-cloud`.'),
    notifications: z
      .object({
        host: z
          .string()
          .min(1)
          .default('127.0.0.1')
          .describe("The address the notification listener binds to: the kiosk's LAN address for a real terminal."),
        port: z
          .number()
          .int()
          .min(0)
          .max(65_535)
          .default(0)
          .describe(
            "The listener's port (0: any free port; set a fixed one for a real terminal: Adyen's live terminals post to 443, 8443 or 8843).",
          ),
        certPath: z
          .string()
          .default('')
          .describe(
            "HTTPS: the listener's certificate (PEM; the name or address the terminal's notification URL uses). Empty: plain HTTP, which Adyen allows in its test environment only.",
          ),
        keyPath: z.string().default('').describe("HTTPS: the certificate's private key (PEM)."),
        username: z
          .string()
          .max(200)
          .default('')
          .describe("The user name set for the terminal's notification URL (HTTP Basic). Empty: none asked."),
        password: z
          .string()
          .max(200)
          .default('')
          .describe(
            'Its password (set with `kiosk config set terminal.notifications.password`, stored encrypted; never logged).',
          ),
      })
      .strict()
      .prefault({})
      .refine((n) => (n.certPath === '') === (n.keyPath === ''), {
        message: 'certPath and keyPath go together: both for HTTPS, neither for plain HTTP',
        path: ['certPath'],
      })
      .refine((n) => (n.username === '') === (n.password === ''), {
        message: 'username and password go together',
        path: ['username'],
      })
      .describe('Where the terminal posts display notifications (its event URL points here).'),
  })
  .strict()
  .refine((t) => t.clientTimeoutMs >= t.terminalTimeoutMs + 5_000, {
    message:
      'clientTimeoutMs must be at least 5 s longer than terminalTimeoutMs: the kiosk must never give up before the terminal',
    path: ['clientTimeoutMs'],
  });
export type TerminalConfig = z.infer<typeof TerminalConfig>;
